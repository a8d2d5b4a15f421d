// The handle table (ids -> records in one dense vector) and its waiter lists
// (the first waiter inline): they agree with a plain map under any mix of
// inserts and sweeps, and keep waiters in the order they began to wait.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "handle_table.h"

namespace brainvm::test {
namespace {

std::vector<FiberId> waitersOf(const WaiterList& list) {
  std::vector<FiberId> out;
  list.forEach([&](FiberId id) { out.push_back(id); });
  return out;
}

TEST(WaiterList, KeepsWaitOrderAndRemovesEveryOccurrence) {
  WaiterList list;
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.size(), 0u);
  for (FiberId id : {5u, 3u, 9u, 3u}) list.add(id);
  EXPECT_EQ(waitersOf(list), (std::vector<FiberId>{5, 3, 9, 3}));
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list.count(3), 2u);
  list.remove(3);
  EXPECT_EQ(waitersOf(list), (std::vector<FiberId>{5, 9}));
  list.remove(5);  // the inline one: the next waiter takes its place
  EXPECT_EQ(waitersOf(list), (std::vector<FiberId>{9}));
  list.remove(9);
  EXPECT_TRUE(list.empty());
  list.add(4);
  EXPECT_EQ(waitersOf(list), (std::vector<FiberId>{4}));
}

TEST(WaiterList, MovingLeavesTheSourceEmpty) {
  WaiterList list;
  list.add(1);
  list.add(2);
  WaiterList taken = std::move(list);
  EXPECT_TRUE(list.empty());  // NOLINT(bugprone-use-after-move): defined
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(waitersOf(taken), (std::vector<FiberId>{1, 2}));
  list.add(3);
  EXPECT_EQ(waitersOf(list), (std::vector<FiberId>{3}));
}

TEST(HandleTable, AgreesWithAMapUnderRandomInsertsAndSweeps) {
  HandleTable table;
  std::map<HandleId, double> model;  // id -> the result stored with it
  std::mt19937 rng(11);
  HandleId next = 1;
  for (int step = 0; step < 3000; ++step) {
    // Bursts of new handles, then a sweep dropping a random share (all of
    // them now and then, as a collection after a quiet spell does).
    const int burst = static_cast<int>(rng() % 200);
    for (int k = 0; k < burst; ++k) {
      HandleRecord& rec = table.insert(next);
      ASSERT_EQ(rec.id, next);
      ASSERT_EQ(rec.state, HandleState::Pending);
      ASSERT_TRUE(rec.waiters.empty());
      rec.result = Value::number(next * 0.5);
      rec.waiters.add(next + 1000000);
      model[next] = next * 0.5;
      ++next;
    }
    const unsigned dropPercent = step % 97 == 0 ? 100 : rng() % 100;
    std::map<HandleId, bool> drop;
    for (const auto& [id, r] : model) drop[id] = rng() % 100 < dropPercent;
    table.eraseIf([&](const HandleRecord& h) { return drop.at(h.id); });
    for (const auto& [id, gone] : drop)
      if (gone) model.erase(id);
    ASSERT_EQ(table.size(), model.size());
    if (step % 50 == 0) {
      for (HandleId id = 1; id < next; ++id) {
        const HandleRecord* rec = table.find(id);
        auto it = model.find(id);
        if (it == model.end()) {
          ASSERT_EQ(rec, nullptr) << id;
          continue;
        }
        ASSERT_NE(rec, nullptr) << id;
        ASSERT_EQ(rec->id, id);
        ASSERT_EQ(rec->result.asNumber(), it->second);
        ASSERT_EQ(waitersOf(rec->waiters),
                  std::vector<FiberId>{id + 1000000});
      }
      size_t seen = 0;
      for (const HandleRecord& h : table.records()) {
        ASSERT_TRUE(model.count(h.id)) << h.id;
        ++seen;
      }
      ASSERT_EQ(seen, model.size());
    }
  }
  EXPECT_EQ(table.find(next), nullptr);
}

TEST(HandleTable, ShrinksAfterABurstAndStillFindsTheSurvivors) {
  HandleTable table;
  for (HandleId id = 1; id <= 100000; ++id) table.insert(id);
  table.eraseIf([](const HandleRecord& h) { return h.id % 1000 != 0; });
  ASSERT_EQ(table.size(), 100u);
  for (HandleId id = 1; id <= 100000; ++id)
    ASSERT_EQ(table.find(id) != nullptr, id % 1000 == 0) << id;
  HandleRecord& added = table.insert(100001);
  EXPECT_EQ(table.find(100001), &added);
}

}  // namespace
}  // namespace brainvm::test
