//===- Stats.h - calibration statistics files -------------------*- C++ -*-===//
//
// Reading and writing the stats JSON that `quant-calibrate` writes and
// `lowbit-import-stats` reads (docs/calibration.md):
//
//   {
//     "format": "lowbit-stats",
//     "version": 1,
//     "samples": 4,
//     "observers": {
//       "layers.0.self_attn.q_proj.in": {
//         "axis": -1, "channels": 768,
//         "min": [-1.5, ...], "max": [2.25, ...]
//       }
//     }
//   }
//
// "format", "version" and "observers" are required; "samples", "source",
// "axis" and "channels" are optional, and unknown keys are ignored, so files
// written by other tools (PyTorch hooks) are accepted. Python's json module
// writes NaN and +-Infinity as bare words; they are read (as are the strings
// "NaN", "Infinity" and "-Infinity", which is how this writer stores them)
// and left for checkValues() to reject, so that the importer can report them
// at the observer.
//
// Errors name the file and, where the position is known, the line (and
// column for syntax errors): `stats.json:7:12: Expected , or ] after array
// element`, `stats.json:5: observer 'x': "min" has 3 entries, "max" has 4`.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CALIBRATION_STATS_H
#define LOWBIT_CALIBRATION_STATS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lowbit {
namespace calibration {

/// The "format" value of a stats file.
inline constexpr const char *kStatsFormat = "lowbit-stats";
/// The only "version" this build reads and writes.
inline constexpr int64_t kStatsVersion = 1;

/// Per-channel ranges of one observed activation.
struct ObserverStats {
  /// The channel axis the ranges were taken along; negative values count
  /// from the last axis (-1, the default, is the last axis).
  int64_t axis = -1;
  /// One entry per channel; min.size() == max.size() after reading.
  std::vector<float> min;
  std::vector<float> max;

  int64_t channels() const { return static_cast<int64_t>(min.size()); }
};

/// The contents of a stats file. Observers are kept sorted by id, which is
/// the order the writer uses.
struct Stats {
  /// Calibration samples the ranges were measured on; 0 when unknown.
  int64_t samples = 0;
  /// Free-form provenance ("source"), written only when non-empty.
  std::string source;
  std::map<std::string, ObserverStats> observers;
};

/// Parses the text of a stats file. `filename` prefixes error messages.
/// Structure is checked (required keys, types, equal channel counts); values
/// are not (see checkValues()).
llvm::Expected<Stats> parseStats(llvm::StringRef text,
                                 llvm::StringRef filename);

/// Reads and parses a stats file.
llvm::Expected<Stats> readStatsFile(llvm::StringRef path);

/// Checks that every value is finite and min <= max per channel. The message
/// names the first offending channel, e.g. `min[3] = 2 > max[3] = 1` or
/// `max[0] is NaN`; it does not name the observer.
llvm::Error checkValues(const ObserverStats &stats);

/// Writes `stats` as JSON (one line per array). Floats are printed with the
/// fewest digits that read back as the same float; non-finite values as the
/// strings "NaN", "Infinity" and "-Infinity".
void printStats(llvm::raw_ostream &os, const Stats &stats);

/// Writes `stats` to `path` ("-" for stdout).
llvm::Error writeStatsFile(llvm::StringRef path, const Stats &stats);

} // namespace calibration
} // namespace lowbit

#endif // LOWBIT_CALIBRATION_STATS_H
