// Unit tests for SpscRing: capacity rounding, FIFO order, full/empty edges, index wrap-around.
#include "core/concurrent/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>

namespace hedged::concurrent {
namespace {

static_assert(!std::is_copy_constructible_v<SpscRing<int>>);
static_assert(!std::is_copy_assignable_v<SpscRing<int>>);
static_assert(!std::is_move_constructible_v<SpscRing<int>>);
static_assert(!std::is_move_assignable_v<SpscRing<int>>);

TEST(SpscRing, rounds_capacity_up_to_power_of_two) {
  EXPECT_EQ(SpscRing<int>(0).capacity(), 1U);
  EXPECT_EQ(SpscRing<int>(1).capacity(), 1U);
  EXPECT_EQ(SpscRing<int>(2).capacity(), 2U);
  EXPECT_EQ(SpscRing<int>(3).capacity(), 4U);
  EXPECT_EQ(SpscRing<int>(64).capacity(), 64U);
  EXPECT_EQ(SpscRing<int>(65).capacity(), 128U);
  EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024U);
}

TEST(SpscRing, pops_values_in_push_order) {
  SpscRing<int> ring(8);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ring.try_push(i * 10));
  }
  for (int i = 0; i < 5; ++i) {
    int out = -1;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i * 10);
  }
}

TEST(SpscRing, rejects_push_when_full) {
  SpscRing<int> ring(4);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.try_push(i));
  }
  EXPECT_FALSE(ring.try_push(99));
  EXPECT_EQ(ring.size_approx(), 4U);

  // The rejected value must not have overwritten the oldest one.
  int out = -1;
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(ring.try_push(4));
  EXPECT_FALSE(ring.try_push(5));
  for (int expected = 1; expected <= 4; ++expected) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, expected);
  }
}

TEST(SpscRing, rejects_pop_when_empty_and_leaves_output_untouched) {
  SpscRing<int> ring(4);
  int out = 123;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(out, 123);

  ASSERT_TRUE(ring.try_push(7));
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 7);
  out = 456;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(out, 456);
}

TEST(SpscRing, capacity_one_ring_alternates_full_and_empty) {
  SpscRing<std::uint64_t> ring(1);
  for (std::uint64_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(ring.try_push(i));
    EXPECT_FALSE(ring.try_push(i + 100));
    std::uint64_t out = 0;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i);
    EXPECT_FALSE(ring.try_pop(out));
  }
}

TEST(SpscRing, keeps_fifo_order_across_many_wrap_arounds) {
  SpscRing<std::uint32_t> ring(8);
  constexpr std::uint32_t kTotal = 8 * 1000 + 5;  // far past 2^3, ending mid-ring
  std::uint32_t next_push = 0;
  std::uint32_t next_pop = 0;
  std::uint32_t batch = 1;
  while (next_pop < kTotal) {
    // Varying batch sizes make head and tail cross the mask boundary at different offsets.
    for (std::uint32_t i = 0; i < batch && next_push < kTotal; ++i) {
      ASSERT_TRUE(ring.try_push(next_push));
      ++next_push;
    }
    std::uint32_t out = 0;
    for (std::uint32_t i = 0; i < (batch + 1) / 2 && ring.try_pop(out); ++i) {
      ASSERT_EQ(out, next_pop);
      ++next_pop;
    }
    ASSERT_LE(ring.size_approx(), ring.capacity());
    batch = batch % 7 + 1;
    if (ring.size_approx() + batch > ring.capacity()) {
      while (ring.try_pop(out)) {
        ASSERT_EQ(out, next_pop);
        ++next_pop;
      }
    }
  }
  EXPECT_EQ(next_push, kTotal);
  EXPECT_TRUE(ring.empty_approx());
}

TEST(SpscRing, size_approx_counts_items_held) {
  SpscRing<int> ring(16);
  EXPECT_EQ(ring.size_approx(), 0U);
  EXPECT_TRUE(ring.empty_approx());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ring.try_push(i));
  }
  EXPECT_EQ(ring.size_approx(), 10U);
  EXPECT_FALSE(ring.empty_approx());
  int out = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ring.try_pop(out));
  }
  EXPECT_EQ(ring.size_approx(), 7U);
  while (ring.try_pop(out)) {
  }
  EXPECT_EQ(ring.size_approx(), 0U);
  EXPECT_TRUE(ring.empty_approx());
}

// 13 bytes with no default constructor: the ring must copy it bytewise and never construct one.
struct Tick {
  Tick(std::uint32_t id_in, char tag_in) : id(id_in) {
    for (char& c : tag) {
      c = tag_in;
    }
  }
  std::uint32_t id;
  char tag[9] = {};
};
static_assert(!std::is_default_constructible_v<Tick>);
static_assert(std::is_trivially_copyable_v<Tick>);

TEST(SpscRing, copies_struct_without_default_constructor_intact) {
  SpscRing<Tick> ring(2);
  ASSERT_TRUE(ring.try_push(Tick(41, 'a')));
  ASSERT_TRUE(ring.try_push(Tick(42, 'b')));
  Tick out(0, 'z');
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out.id, 41U);
  EXPECT_EQ(out.tag[0], 'a');
  EXPECT_EQ(out.tag[8], 'a');
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out.id, 42U);
  EXPECT_EQ(out.tag[8], 'b');
}

}  // namespace
}  // namespace hedged::concurrent
