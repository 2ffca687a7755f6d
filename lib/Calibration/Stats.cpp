//===- Stats.cpp - calibration statistics files ---------------------------===//

#include "lowbit/Calibration/Stats.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <charconv>
#include <cmath>
#include <limits>

using namespace lowbit::calibration;
using llvm::StringRef;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Python's json module writes NaN and +-Infinity as bare words, which are
/// not JSON. Quotes them (outside strings) so that llvm::json parses them as
/// strings; readValues() turns them back into floats. Returns the text
/// unchanged when there are none.
std::string quoteNonFiniteWords(StringRef text) {
  static constexpr StringRef words[] = {"-Infinity", "Infinity", "NaN"};
  std::string out;
  bool changed = false, inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\' && i + 1 < text.size()) {
        out += c;
        c = text[++i];
      } else if (c == '"') {
        inString = false;
      }
      out += c;
      continue;
    }
    if (c == '"')
      inString = true;
    bool quoted = false;
    for (StringRef word : words) {
      if (text.substr(i).starts_with(word)) {
        out += '"';
        out += word;
        out += '"';
        i += word.size() - 1;
        quoted = changed = true;
        break;
      }
    }
    if (!quoted)
      out += c;
  }
  return changed ? out : text.str();
}

/// The 1-based line of the first `"key":` at or after `from` in `text`, or 0.
unsigned findKeyLine(StringRef text, StringRef key, size_t from = 0) {
  std::string quoted;
  llvm::raw_string_ostream os(quoted);
  os << llvm::json::Value(key);
  for (size_t pos = text.find(quoted, from); pos != StringRef::npos;
       pos = text.find(quoted, pos + 1)) {
    StringRef rest = text.substr(pos + quoted.size()).ltrim();
    if (rest.starts_with(":"))
      return 1 + text.take_front(pos).count('\n');
  }
  return 0;
}

/// Converts llvm::json's "[line:col, byte=N]: message" to "line:col: message".
std::string formatParseError(llvm::Error error) {
  std::string message = llvm::toString(std::move(error));
  unsigned line = 0, column = 0;
  StringRef rest(message);
  if (rest.consume_front("[") && !rest.consumeInteger(10, line) &&
      rest.consume_front(":") && !rest.consumeInteger(10, column)) {
    size_t end = rest.find("]: ");
    if (end != StringRef::npos)
      return llvm::formatv("{0}:{1}: {2}", line, column,
                           rest.drop_front(end + 3))
          .str();
  }
  return message;
}

/// Arrays and objects nested deeper than this are refused before parsing:
/// llvm::json::parse recurses once per level, so a file nested thousands of
/// levels deep would overflow the stack. Stats files nest four levels.
constexpr unsigned kMaxNesting = 64;

/// The line where `text` first nests arrays and objects deeper than
/// kMaxNesting (brackets inside strings do not count), if it does.
std::optional<unsigned> findExcessiveNesting(StringRef text) {
  unsigned depth = 0, line = 1;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n')
      ++line;
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if ((c == '[' || c == '{') && ++depth > kMaxNesting)
      return line;
    else if ((c == ']' || c == '}') && depth > 0)
      --depth;
  }
  return std::nullopt;
}

/// Reads the stats file text; keeps it for locating keys in messages.
class Reader {
public:
  Reader(StringRef text, StringRef filename) : text(text), filename(filename) {}

  llvm::Expected<Stats> read();

private:
  /// "file:line: message" (or "file: message" when the line is unknown).
  llvm::Error fail(unsigned line, const llvm::Twine &message) const {
    if (line)
      return makeError(filename + ":" + llvm::Twine(line) + ": " + message);
    return makeError(filename + ": " + message);
  }
  llvm::Error failAtKey(StringRef key, const llvm::Twine &message) const {
    return fail(findKeyLine(text, key), message);
  }

  llvm::Error readObserver(StringRef id, const llvm::json::Value &value,
                           ObserverStats &stats) const;
  llvm::Error readValues(StringRef id, const llvm::json::Object &entry,
                         StringRef key, std::vector<float> &values) const;

  StringRef text;
  StringRef filename;
  size_t observersPos = 0;
};

llvm::Expected<Stats> Reader::read() {
  if (std::optional<unsigned> line = findExcessiveNesting(text))
    return fail(*line, llvm::formatv("arrays and objects nested more than {0} "
                                     "levels deep",
                                     kMaxNesting));
  std::string quoted = quoteNonFiniteWords(text);
  llvm::Expected<llvm::json::Value> root = llvm::json::parse(quoted);
  if (!root)
    return makeError(filename + ":" + formatParseError(root.takeError()));
  const llvm::json::Object *object = root->getAsObject();
  if (!object)
    return fail(0, "expected a JSON object at the top level");

  const llvm::json::Value *format = object->get("format");
  if (!format)
    return fail(0, llvm::formatv("not a stats file: no \"format\": \"{0}\"",
                                 kStatsFormat));
  std::optional<StringRef> formatName = format->getAsString();
  if (!formatName || *formatName != kStatsFormat) {
    std::string found;
    llvm::raw_string_ostream os(found);
    os << *format;
    return failAtKey("format",
                     llvm::formatv("not a stats file: \"format\" is {0}, "
                                   "expected \"{1}\"",
                                   found, kStatsFormat));
  }
  const llvm::json::Value *version = object->get("version");
  if (!version)
    return fail(0, "no \"version\"");
  std::optional<int64_t> versionNumber = version->getAsInteger();
  if (!versionNumber) {
    std::string found;
    llvm::raw_string_ostream os(found);
    os << *version;
    return failAtKey("version", "\"version\" must be an integer, got " + found);
  }
  if (*versionNumber != kStatsVersion)
    return failAtKey("version",
                     llvm::formatv("unsupported version {0} (this build reads "
                                   "version {1})",
                                   *versionNumber, kStatsVersion));

  Stats stats;
  if (const llvm::json::Value *samples = object->get("samples")) {
    std::optional<int64_t> count = samples->getAsInteger();
    if (!count || *count < 0)
      return failAtKey("samples", "\"samples\" must be a non-negative integer");
    stats.samples = *count;
  }
  if (const llvm::json::Value *source = object->get("source")) {
    if (std::optional<StringRef> str = source->getAsString())
      stats.source = str->str();
    else
      return failAtKey("source", "\"source\" must be a string");
  }

  const llvm::json::Value *observers = object->get("observers");
  if (!observers)
    return fail(0, "no \"observers\"");
  const llvm::json::Object *entries = observers->getAsObject();
  if (!entries)
    return failAtKey("observers", "\"observers\" must be an object");
  observersPos = text.find("\"observers\"");
  if (observersPos == StringRef::npos)
    observersPos = 0;
  // Read in id order so that the first error reported does not depend on
  // the hash order of llvm::json::Object.
  std::vector<std::pair<StringRef, const llvm::json::Value *>> sorted;
  for (const auto &[key, value] : *entries)
    sorted.push_back({StringRef(key), &value});
  llvm::sort(sorted, llvm::less_first());
  for (auto [id, value] : sorted) {
    ObserverStats observer;
    if (llvm::Error err = readObserver(id, *value, observer))
      return std::move(err);
    stats.observers.emplace(id.str(), std::move(observer));
  }
  return stats;
}

llvm::Error Reader::readObserver(StringRef id, const llvm::json::Value &value,
                                 ObserverStats &stats) const {
  unsigned line = findKeyLine(text, id, observersPos);
  auto failHere = [&](const llvm::Twine &message) {
    return fail(line, "observer '" + id + "': " + message);
  };
  const llvm::json::Object *entry = value.getAsObject();
  if (!entry)
    return failHere("expected an object with \"min\" and \"max\"");
  if (const llvm::json::Value *axis = entry->get("axis")) {
    std::optional<int64_t> number = axis->getAsInteger();
    if (!number)
      return failHere("\"axis\" must be an integer");
    stats.axis = *number;
  }
  if (llvm::Error err = readValues(id, *entry, "min", stats.min))
    return err;
  if (llvm::Error err = readValues(id, *entry, "max", stats.max))
    return err;
  if (stats.min.size() != stats.max.size())
    return failHere(llvm::formatv("\"min\" has {0} entries, \"max\" has {1}",
                                  stats.min.size(), stats.max.size()));
  if (const llvm::json::Value *channels = entry->get("channels")) {
    std::optional<int64_t> number = channels->getAsInteger();
    if (!number || *number < 0)
      return failHere("\"channels\" must be a non-negative integer");
    if (*number != stats.channels())
      return failHere(llvm::formatv("\"channels\" is {0} but \"min\" and "
                                    "\"max\" have {1} entries",
                                    *number, stats.channels()));
  }
  return llvm::Error::success();
}

llvm::Error Reader::readValues(StringRef id, const llvm::json::Object &entry,
                               StringRef key,
                               std::vector<float> &values) const {
  auto failHere = [&](const llvm::Twine &message) {
    return fail(findKeyLine(text, id, observersPos),
                "observer '" + id + "': " + message);
  };
  const llvm::json::Value *value = entry.get(key);
  if (!value)
    return failHere("no \"" + key + "\"");
  const llvm::json::Array *array = value->getAsArray();
  if (!array)
    return failHere("\"" + key + "\" must be an array of numbers");
  values.reserve(array->size());
  for (auto [i, element] : llvm::enumerate(*array)) {
    if (std::optional<double> number = element.getAsNumber()) {
      values.push_back(static_cast<float>(*number));
      continue;
    }
    std::optional<StringRef> word = element.getAsString();
    constexpr float inf = std::numeric_limits<float>::infinity();
    if (word && (*word == "NaN" || *word == "nan"))
      values.push_back(std::numeric_limits<float>::quiet_NaN());
    else if (word && (*word == "Infinity" || *word == "inf"))
      values.push_back(inf);
    else if (word && (*word == "-Infinity" || *word == "-inf"))
      values.push_back(-inf);
    else
      return failHere(llvm::formatv("{0}[{1}] is not a number", key, i));
  }
  return llvm::Error::success();
}

/// Shortest decimal that reads back as `value` (a float), or a quoted word
/// for non-finite values.
void printFloat(llvm::raw_ostream &os, float value) {
  if (std::isnan(value)) {
    os << "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    os << (value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buffer[64];
  std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  os << StringRef(buffer, result.ptr - buffer);
}

void printArray(llvm::raw_ostream &os, const std::vector<float> &values) {
  os << '[';
  llvm::interleave(
      values, os, [&](float value) { printFloat(os, value); }, ", ");
  os << ']';
}

std::string describe(float value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  std::string out;
  llvm::raw_string_ostream os(out);
  printFloat(os, value);
  return out;
}

} // namespace

llvm::Expected<Stats> lowbit::calibration::parseStats(StringRef text,
                                                      StringRef filename) {
  return Reader(text, filename).read();
}

llvm::Expected<Stats> lowbit::calibration::readStatsFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer)
    return makeError("cannot read stats file '" + path +
                     "': " + buffer.getError().message());
  return parseStats((*buffer)->getBuffer(), path);
}

llvm::Error lowbit::calibration::checkValues(const ObserverStats &stats) {
  for (size_t i = 0; i < stats.min.size() && i < stats.max.size(); ++i) {
    float min = stats.min[i], max = stats.max[i];
    if (!std::isfinite(min))
      return makeError(llvm::formatv("min[{0}] is {1}", i, describe(min)));
    if (!std::isfinite(max))
      return makeError(llvm::formatv("max[{0}] is {1}", i, describe(max)));
    if (min > max)
      return makeError(llvm::formatv("min[{0}] = {1} > max[{0}] = {2}", i,
                                     describe(min), describe(max)));
  }
  return llvm::Error::success();
}

void lowbit::calibration::printStats(llvm::raw_ostream &os,
                                     const Stats &stats) {
  os << "{\n";
  os << "  \"format\": \"" << kStatsFormat << "\",\n";
  os << "  \"version\": " << kStatsVersion << ",\n";
  if (!stats.source.empty())
    os << "  \"source\": " << llvm::json::Value(stats.source) << ",\n";
  os << "  \"samples\": " << stats.samples << ",\n";
  os << "  \"observers\": {";
  bool first = true;
  for (const auto &[id, observer] : stats.observers) {
    os << (first ? "\n" : ",\n");
    first = false;
    os << "    " << llvm::json::Value(id) << ": {\n";
    os << "      \"axis\": " << observer.axis << ",\n";
    os << "      \"channels\": " << observer.channels() << ",\n";
    os << "      \"min\": ";
    printArray(os, observer.min);
    os << ",\n      \"max\": ";
    printArray(os, observer.max);
    os << "\n    }";
  }
  os << (first ? "}\n" : "\n  }\n");
  os << "}\n";
}

llvm::Error lowbit::calibration::writeStatsFile(StringRef path,
                                                const Stats &stats) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  printStats(os, stats);
  os.close();
  if (os.has_error()) {
    ec = os.error();
    os.clear_error();
    return makeError("cannot write '" + path + "': " + ec.message());
  }
  return llvm::Error::success();
}
