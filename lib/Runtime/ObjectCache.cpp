//===- ObjectCache.cpp - Compiled modules cached on disk ------------------===//

#include "uniform/Runtime/ObjectCache.h"

#include "uniform/Support/Version.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"

using namespace llvm;

/// Bumped whenever what uniform-run does between the module and its object
/// (translation, optimization, code generation) changes.
static constexpr StringLiteral kObjectFormat = "uniform-run object 1";

std::string uniform::getDefaultObjectCacheDirectory() {
  SmallString<256> path;
  if (std::optional<std::string> xdg = sys::Process::GetEnv("XDG_CACHE_HOME");
      xdg && !xdg->empty()) {
    path = *xdg;
  } else if (std::optional<std::string> home = sys::Process::GetEnv("HOME");
             home && !home->empty()) {
    path = *home;
    sys::path::append(path, ".cache");
  } else {
    return "";
  }
  sys::path::append(path, "uniform");
  return std::string(path);
}

std::string uniform::computeObjectCacheKey(StringRef moduleText,
                                           unsigned optLevel, StringRef cpu,
                                           StringRef features) {
  SHA256 hash;
  // Each field with its length, so that no two field lists hash alike.
  auto add = [&](StringRef field) {
    uint64_t size = field.size();
    hash.update(ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(&size),
                                  sizeof(size)));
    hash.update(field);
  };
  add(kObjectFormat);
  add(getUniformVersion());
  add(getLLVMVersion());
  add(std::to_string(optLevel));
  add(cpu);
  add(features);
  add(moduleText);
  return toHex(hash.final(), /*LowerCase=*/true);
}

std::string uniform::ObjectCache::getPath(StringRef key) const {
  SmallString<256> path(directory);
  sys::path::append(path, key + ".o");
  return std::string(path);
}

std::unique_ptr<MemoryBuffer>
uniform::ObjectCache::lookup(StringRef key) const {
  ErrorOr<std::unique_ptr<MemoryBuffer>> object =
      MemoryBuffer::getFile(getPath(key), /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!object || (*object)->getBufferSize() == 0)
    return nullptr;
  return std::move(*object);
}

Error uniform::ObjectCache::store(StringRef key, StringRef objectPath) const {
  if (std::error_code ec = sys::fs::create_directories(directory))
    return createStringError(ec, "cannot create the cache directory '" +
                                     directory + "': " + ec.message());
  // A temporary in the same directory, renamed over the final name: rename
  // is atomic, so a concurrent run never reads half an object.
  SmallString<256> model(directory);
  sys::path::append(model, key + "-%%%%%%.tmp");
  SmallString<256> temporary;
  int fd;
  if (std::error_code ec = sys::fs::createUniqueFile(model, fd, temporary))
    return createStringError(ec, "cannot write to the cache directory '" +
                                     directory + "': " + ec.message());
  sys::Process::SafelyCloseFileDescriptor(fd);
  std::error_code ec = sys::fs::copy_file(objectPath, temporary);
  if (!ec)
    ec = sys::fs::rename(temporary, getPath(key));
  if (ec) {
    sys::fs::remove(temporary);
    return createStringError(ec, "cannot store '" + getPath(key) +
                                     "': " + ec.message());
  }
  return Error::success();
}

uniform::ObjectRunner::ObjectRunner(std::unique_ptr<orc::LLJIT> jit)
    : jit(std::move(jit)) {}

uniform::ObjectRunner::~ObjectRunner() = default;

Expected<std::unique_ptr<uniform::ObjectRunner>>
uniform::ObjectRunner::create(std::unique_ptr<MemoryBuffer> object,
                              ArrayRef<StringRef> libraries,
                              orc::JITTargetMachineBuilder targetMachine) {
  // The linking layer that MLIR's ExecutionEngine uses, for the objects it
  // compiles: RuntimeDyld, sections placed by SectionMemoryManager.
  auto createLinkingLayer = [](orc::ExecutionSession &session)
      -> Expected<std::unique_ptr<orc::ObjectLayer>> {
    return std::make_unique<orc::RTDyldObjectLinkingLayer>(
        session, [](const MemoryBuffer &) {
          return std::make_unique<SectionMemoryManager>();
        });
  };
  Expected<std::unique_ptr<orc::LLJIT>> jit =
      orc::LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(targetMachine))
          .setObjectLinkingLayerCreator(createLinkingLayer)
          .create();
  if (!jit)
    return jit.takeError();
  orc::JITDylib &dylib = (*jit)->getMainJITDylib();
  char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  auto process =
      orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process)
    return process.takeError();
  dylib.addGenerator(std::move(*process));
  for (StringRef library : libraries) {
    auto generator =
        orc::DynamicLibrarySearchGenerator::Load(library.str().c_str(), prefix);
    if (!generator)
      return generator.takeError();
    dylib.addGenerator(std::move(*generator));
  }
  if (Error err = (*jit)->addObjectFile(std::move(object)))
    return std::move(err);
  return std::unique_ptr<ObjectRunner>(new ObjectRunner(std::move(*jit)));
}

Expected<void (*)(void **)>
uniform::ObjectRunner::lookupPacked(StringRef name) {
  Expected<orc::ExecutorAddr> address = jit->lookup(("_mlir_" + name).str());
  if (!address)
    return address.takeError();
  return address->toPtr<void (*)(void **)>();
}
