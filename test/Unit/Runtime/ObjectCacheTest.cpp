//===- ObjectCacheTest.cpp - uniform-run's object cache keys and storage --===//

#include "uniform/Runtime/ObjectCache.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <set>
#include <string>

using namespace uniform;

namespace {

TEST(ObjectCache, KeyIsSha256OfEveryField) {
  std::string key = computeObjectCacheKey("module", 3, "znver4", "+avx512f");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key, computeObjectCacheKey("module", 3, "znver4", "+avx512f"));
  // Any field changes the key, and so does moving a boundary between two.
  std::set<std::string> keys = {
      key,
      computeObjectCacheKey("module ", 3, "znver4", "+avx512f"),
      computeObjectCacheKey("module", 2, "znver4", "+avx512f"),
      computeObjectCacheKey("module", 3, "znver3", "+avx512f"),
      computeObjectCacheKey("module", 3, "znver4", "-avx512f"),
      computeObjectCacheKey("module", 3, "znver4+", "avx512f"),
  };
  EXPECT_EQ(keys.size(), 6u);
}

TEST(ObjectCache, StoreThenLookup) {
  llvm::SmallString<128> directory;
  ASSERT_FALSE(
      llvm::sys::fs::createUniqueDirectory("object-cache-test", directory));
  llvm::SmallString<128> cacheDirectory(directory);
  llvm::sys::path::append(cacheDirectory, "nested", "cache");
  ObjectCache cache(cacheDirectory);
  EXPECT_EQ(cache.lookup("k"), nullptr);

  llvm::SmallString<128> object(directory);
  llvm::sys::path::append(object, "object.o");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(object, ec);
    ASSERT_FALSE(ec);
    os << "bytes";
  }
  ASSERT_FALSE(llvm::errorToBool(cache.store("k", object)));
  std::unique_ptr<llvm::MemoryBuffer> stored = cache.lookup("k");
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->getBuffer(), "bytes");
  // Only the object is left behind, under its key.
  std::error_code ec;
  int entries = 0;
  for (llvm::sys::fs::directory_iterator it(cacheDirectory, ec), end;
       !ec && it != end; it.increment(ec)) {
    EXPECT_EQ(llvm::sys::path::filename(it->path()), "k.o");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  llvm::sys::fs::remove_directories(directory);
}

} // namespace
