// Stats files whose structure is wrong: one-line errors at the module that
// name the file and the line of the offending key (the observer's entry for
// per-observer problems).
//
// RUN: rm -rf %t && split-file %s %t
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/array.json 2>&1 | FileCheck %s --check-prefix=ARRAY
// ARRAY: error: {{.*}}array.json: expected a JSON object at the top level
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/no-format.json 2>&1 | FileCheck %s --check-prefix=NO-FORMAT
// NO-FORMAT: error: {{.*}}no-format.json: not a stats file: no "format": "lowbit-stats"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/no-version.json 2>&1 | FileCheck %s --check-prefix=NO-VERSION
// NO-VERSION: error: {{.*}}no-version.json: no "version"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/string-version.json 2>&1 | FileCheck %s --check-prefix=STRING-VERSION
// STRING-VERSION: error: {{.*}}string-version.json:3: "version" must be an integer, got "1"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/samples.json 2>&1 | FileCheck %s --check-prefix=SAMPLES
// SAMPLES: error: {{.*}}samples.json:4: "samples" must be a non-negative integer
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/no-observers.json 2>&1 | FileCheck %s --check-prefix=NO-OBSERVERS
// NO-OBSERVERS: error: {{.*}}no-observers.json: no "observers"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/observers-list.json 2>&1 | FileCheck %s --check-prefix=OBSERVERS-LIST
// OBSERVERS-LIST: error: {{.*}}observers-list.json:4: "observers" must be an object
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/entry.json 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: error: {{.*}}entry.json:6: observer 'x.in': expected an object with "min" and "max"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/no-max.json 2>&1 | FileCheck %s --check-prefix=NO-MAX
// NO-MAX: error: {{.*}}no-max.json:5: observer 'x.in': no "max"
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/min-number.json 2>&1 | FileCheck %s --check-prefix=MIN-NUMBER
// MIN-NUMBER: error: {{.*}}min-number.json:7: observer 'x.in': "min" must be an array of numbers
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/element.json 2>&1 | FileCheck %s --check-prefix=ELEMENT
// ELEMENT: error: {{.*}}element.json:5: observer 'x.in': max[2] is not a number
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/lengths.json 2>&1 | FileCheck %s --check-prefix=LENGTHS
// LENGTHS: error: {{.*}}lengths.json:5: observer 'x.in': "min" has 4 entries, "max" has 3
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/channels.json 2>&1 | FileCheck %s --check-prefix=CHANNELS
// CHANNELS: error: {{.*}}channels.json:5: observer 'x.in': "channels" is 8 but "min" and "max" have 4 entries
// RUN: not quant-opt %t/model.mlir -lowbit-import-stats=stats=%t/axis.json 2>&1 | FileCheck %s --check-prefix=AXIS
// AXIS: error: {{.*}}axis.json:5: observer 'x.in': "axis" must be an integer

//--- model.mlir
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
//--- array.json
[{"format": "lowbit-stats"}]
//--- no-format.json
{"version": 1, "observers": {}}
//--- no-version.json
{"format": "lowbit-stats", "observers": {}}
//--- string-version.json
{
  "format": "lowbit-stats",
  "version": "1",
  "observers": {}
}
//--- samples.json
{
  "format": "lowbit-stats",
  "version": 1,
  "samples": -4,
  "observers": {}
}
//--- no-observers.json
{"format": "lowbit-stats", "version": 1, "samples": 4}
//--- observers-list.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": [{"x.in": {"min": [0, 0, 0, 0], "max": [1, 1, 1, 1]}}]
}
//--- entry.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "y.in": {"min": [0], "max": [1]},
    "x.in": [[0, 0, 0, 0], [1, 1, 1, 1]]
  }
}
//--- no-max.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "x.in": {"min": [0, 0, 0, 0]}
  }
}
//--- min-number.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "min": {"min": [0, 0, 0, 0], "max": [1, 1, 1, 1]},
    "max": {"min": [0, 0, 0, 0], "max": [1, 1, 1, 1]},
    "x.in": {
      "min": 0,
      "max": [1, 1, 1, 1]
    }
  }
}
//--- element.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "x.in": {"min": [0, 0, 0, 0], "max": [1, 1, true, 1]}
  }
}
//--- lengths.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "x.in": {"min": [0, 0, 0, 0], "max": [1, 1, 1]}
  }
}
//--- channels.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "x.in": {"channels": 8, "min": [0, 0, 0, 0], "max": [1, 1, 1, 1]}
  }
}
//--- axis.json
{
  "format": "lowbit-stats",
  "version": 1,
  "observers": {
    "x.in": {"axis": "last", "min": [0, 0, 0, 0], "max": [1, 1, 1, 1]}
  }
}
