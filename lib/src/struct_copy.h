// Struct copy semantics of store_var and set_field: a struct becomes a new
// struct with copied fields, recursively through nested structs; lists and
// maps inside stay shared. A struct reached twice (a DAG or a cycle built
// with struct_set) is copied once and the copy keeps the same shape.
#pragma once

#include "brainvm/heap.h"
#include "brainvm/value.h"

namespace brainvm {

// Replaces v (a struct) with its copy. False when out of memory.
bool copyStructValue(Heap& heap, Value& v);

}  // namespace brainvm
