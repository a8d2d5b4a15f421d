// The fiber table (ids -> fibers, with recycled fiber objects) and what the
// runtime gets from it: ids are never reused and a recycled fiber starts as
// fresh as a new one.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "fiber_table.h"
#include "runtime_impl.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

TEST(FiberTable, AgreesWithAMapUnderRandomInsertsAndErases) {
  FiberTable table;
  std::map<FiberId, Fiber*> model;
  std::mt19937 rng(7);
  FiberId next = 1;
  for (int step = 0; step < 200000; ++step) {
    // Grow to a few thousand, shrink to nothing, grow again.
    const bool grow = (step / 20000) % 2 == 0;
    if (model.empty() || rng() % 100 < (grow ? 70u : 30u)) {
      Fiber* f = table.create(next);
      ASSERT_EQ(f->id, next);
      ASSERT_EQ(f->sp, 0u);
      ASSERT_TRUE(f->frames.empty());
      model[next++] = f;
    } else {
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      table.erase(it->first);
      model.erase(it);
    }
    ASSERT_EQ(table.size(), model.size());
    if (step % 4999 == 0) {
      for (const auto& [id, f] : model) ASSERT_EQ(table.find(id), f) << id;
      for (FiberId id = 1; id < next; ++id)
        if (!model.count(id)) {
          ASSERT_EQ(table.find(id), nullptr) << id;
        }
      size_t seen = 0;
      table.forEach([&](const Fiber& f) {
        ++seen;
        EXPECT_TRUE(model.count(f.id));
      });
      EXPECT_EQ(seen, model.size());
    }
  }
}

TEST(FiberTable, RecycledFibersStartFresh) {
  ProgramBuilder pb;
  // dirty: fills its locals and stack, installs a handler, ends with a value.
  pb.func("dirty", 0, 3)
      .k(1).storeLocal(0).k(2).storeLocal(1).k(3).storeLocal(2)
      .tryTo("c").k(4).k(5).k(6).ks("dirty").ret()
      .label("c").ret();
  // clean: returns [local0, local1, local2] of a fresh fiber.
  pb.func("clean", 0, 3)
      .listNew().loadLocal(0).listPush().loadLocal(1).listPush()
      .loadLocal(2).listPush().ret();
  pb.noEntry();
  LoadOptions noEntry;
  noEntry.requireRunnable = false;
  auto vm = makeVm(pb.build(), {}, {}, 0, noEntry);
  Runtime& rt = **vm;
  std::vector<FiberId> dirty;
  for (int i = 0; i < 50; ++i) dirty.push_back(rt.spawn("dirty").value());
  rt.tick();
  EXPECT_EQ(rt.collectEndedFibers(), 50u);
  std::vector<FiberId> clean;
  for (int i = 0; i < 50; ++i) clean.push_back(rt.spawn("clean").value());
  EXPECT_EQ(clean.front(), dirty.back() + 1);  // ids are never reused
  for (FiberId id : dirty) EXPECT_FALSE(rt.fiber(id)) << id;
  rt.tick();
  for (FiberId id : clean) {
    std::optional<FiberView> v = rt.fiber(id);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->state, FiberState::Done);
    EXPECT_FALSE(v->isRule);
    EXPECT_FALSE(v->fired);
    ASSERT_TRUE(v->result.isList());
    const ListObject& xs = *v->result.asList();
    ASSERT_EQ(xs.size(), 3u);
    for (const Value& x : xs) EXPECT_TRUE(x.isNil());
  }
}

}  // namespace
}  // namespace brainvm::test
