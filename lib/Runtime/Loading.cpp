//===- Loading.cpp - Entry points, libraries and JIT-compiled code --------===//

#include "Loading.h"

#include "uniform/Support/LibrarySymbols.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace mlir;
using namespace uniform;
using namespace uniform::loading;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

llvm::Expected<const EntryPoint &>
loading::chooseEntry(ArrayRef<EntryPoint> entries, llvm::StringRef requested,
                     llvm::StringRef source) {
  if (requested.empty()) {
    if (entries.size() == 1)
      return entries.front();
    return error("'" + source + "' has " + llvm::Twine(entries.size()) +
                 " entry points; choose one with --entry");
  }
  for (const EntryPoint &entry : entries)
    if (entry.name == requested)
      return entry;
  return error("no entry point '" + requested + "' in '" + source +
               "' (an entry is a public function lowered by "
               "uniform-cpu-pipeline)");
}

llvm::Expected<SmallVector<EntryPoint>>
loading::moduleEntryPoints(ModuleOp module) {
  SmallVector<EntryPoint> entries;
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (func.isExternal() || !func->hasAttr("uniform.signature") ||
        func.getName().starts_with("_mlir_ciface_"))
      continue;
    auto attr = dyn_cast<TypeAttr>(func->getAttr("uniform.signature"));
    auto signature = attr ? dyn_cast<FunctionType>(attr.getValue()) : nullptr;
    if (!signature)
      return error("malformed uniform.signature on '" + func.getName() + "'");
    entries.push_back({func.getName().str(), signature});
  }
  return entries;
}

void LibraryCloser::operator()(void *handle) const {
  if (handle)
    dlclose(handle);
}

llvm::Expected<Library> loading::openLibrary(llvm::StringRef path,
                                             MLIRContext &context) {
  llvm::StringRef file = llvm::sys::path::filename(path);
  if (!file.starts_with("lib") || !file.ends_with(".so"))
    return error("'" + path +
                 "': a library's name must be libNAME.so, as "
                 "uniform-compile writes it");
  llvm::StringRef libraryName = file.drop_back(3);
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  Library library;
  library.handle.reset(dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL));
  void *handle = library.handle.get();
  if (!handle)
    return error("cannot load '" + path + "': " + dlerror());
  using TextFunction = const char *(*)();
  std::string entryPointsSymbol = getLibrarySymbol(libraryName, "entry_points");
  auto buildInfo = reinterpret_cast<TextFunction>(
      dlsym(handle, getLibrarySymbol(libraryName, "build_info").c_str()));
  auto entryPoints =
      reinterpret_cast<TextFunction>(dlsym(handle, entryPointsSymbol.c_str()));
  if (!buildInfo || !entryPoints)
    return error("'" + path + "' has no " + entryPointsSymbol +
                 "(): it is not a library built by uniform-compile, or it "
                 "was renamed");
  library.buildInfo = buildInfo();
  library.cuda = llvm::StringRef(library.buildInfo).contains("; target cuda;");
  for (llvm::StringRef line : llvm::split(entryPoints(), '\n')) {
    if (line.empty())
      continue;
    auto [entry, text] = line.split('\t');
    auto signature = dyn_cast_or_null<FunctionType>(parseType(text, &context));
    if (!signature)
      return error("'" + path + "': malformed entry point '" + line + "'");
    library.entries.push_back({entry.str(), signature});
  }
  return library;
}

llvm::Expected<PackedFunction>
loading::lookupLibraryEntry(const Library &library, llvm::StringRef entry,
                            llvm::StringRef path) {
  auto packed = reinterpret_cast<PackedFunction>(
      dlsym(library.handle.get(), ("_mlir_" + entry).str().c_str()));
  if (!packed)
    return error("'" + path + "' has no _mlir_" + entry +
                 " (libraries from uniform-compile before 2026-12-03 lack "
                 "it; rebuild the library)");
  return packed;
}

/// `entry`'s packed wrapper from the object cached under `key`, with
/// `runner` owning it; null when there is none or it cannot be linked (a
/// truncated or foreign file), and the module is compiled instead.
static PackedFunction
loadCached(const ObjectCache &cache, llvm::StringRef key, llvm::StringRef entry,
           llvm::ArrayRef<llvm::StringRef> libraries,
           const llvm::orc::JITTargetMachineBuilder &target,
           std::unique_ptr<ObjectRunner> &runner, const JitOptions &options) {
  std::unique_ptr<llvm::MemoryBuffer> object = cache.lookup(key);
  if (!object)
    return nullptr;
  auto created = ObjectRunner::create(std::move(object), libraries, target);
  auto fn = created ? (*created)->lookupPacked(entry)
                    : llvm::Expected<PackedFunction>(created.takeError());
  if (!fn) {
    std::string reason = llvm::toString(fn.takeError());
    if (options.verbose)
      llvm::errs() << options.logName << ": cannot use '" << cache.getPath(key)
                   << "' (" << reason << "); compiling\n";
    return nullptr;
  }
  if (options.verbose)
    llvm::errs() << options.logName << ": loaded '" << entry << "' from '"
                 << cache.getPath(key) << "'\n";
  runner = std::move(*created);
  return *fn;
}

/// Stores the object `engine` compiled under `key`. A cache that cannot be
/// written costs the next run a compile, nothing else: a warning.
static void storeInCache(const ObjectCache &cache, llvm::StringRef key,
                         ExecutionEngine &engine, const JitOptions &options) {
  llvm::SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("uniform", "o", objectPath)) {
    llvm::errs() << options.logName << ": warning: not cached: " << ec.message()
                 << "\n";
    return;
  }
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove(objectPath); });
  engine.dumpToObjectFile(objectPath);
  uint64_t size = 0;
  if (llvm::sys::fs::file_size(objectPath, size) || size == 0) {
    llvm::errs() << options.logName << ": warning: not cached: no object\n";
    return;
  }
  if (llvm::Error err = cache.store(key, objectPath)) {
    llvm::errs() << options.logName
                 << ": warning: not cached: " << llvm::toString(std::move(err))
                 << "\n";
    return;
  }
  if (options.verbose)
    llvm::errs() << options.logName << ": compiled and cached as '"
                 << cache.getPath(key) << "'\n";
}

llvm::Expected<PackedFunction> CompiledModule::lookup(llvm::StringRef entry) {
  if (cachedRunner)
    return cachedRunner->lookupPacked(entry);
  return engine->lookupPacked(entry);
}

llvm::Expected<CompiledModule>
loading::compileModule(ModuleOp module, llvm::StringRef moduleText,
                       llvm::StringRef source, llvm::StringRef entry,
                       bool hasKernels, const JitOptions &options) {
  // For this host, with its CPU features.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  tmBuilder->setCodeGenOptLevel(
      options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
      : options.optLevel == 0 ? llvm::CodeGenOptLevel::None
                              : llvm::CodeGenOptLevel::Default);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return tm.takeError();
  auto transformer =
      makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm->get());
  // MLIR's C runner utilities provide `memrefCopy`, which lowered strided
  // copies call.
  SmallVector<llvm::StringRef> libs = {UNIFORM_MLIR_C_RUNNER_UTILS};
  if (!llvm::sys::fs::exists(libs.front()))
    return error(llvm::Twine("MLIR's runtime library '") + libs.front() +
                 "' is missing; install mlir-22-tools / libmlir-22-dev");
  for (const std::string &lib : options.sharedLibraries)
    libs.push_back(lib);
  // A CPU module's object is cached (GPU modules load their kernels from
  // global constructors, which a cached object would not run).
  std::optional<ObjectCache> cache;
  std::string cacheKey;
  if (options.useCache && !hasKernels &&
      module.getOps<LLVM::GlobalCtorsOp>().empty()) {
    std::string directory = options.cacheDirectory.empty()
                                ? getDefaultObjectCacheDirectory()
                                : options.cacheDirectory;
    if (!directory.empty()) {
      cache.emplace(directory);
      cacheKey = computeObjectCacheKey(moduleText, options.optLevel,
                                       tmBuilder->getCPU(),
                                       tmBuilder->getFeatures().getString());
    }
  }
  CompiledModule compiled;
  if (cache && loadCached(*cache, cacheKey, entry, libs, *tmBuilder,
                          compiled.cachedRunner, options))
    return compiled;
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.sharedLibPaths = libs;
  engineOptions.enableObjectDump = cache.has_value();
  auto created = ExecutionEngine::create(module, engineOptions, std::move(*tm));
  if (!created)
    return error("cannot compile '" + source +
                 "': " + llvm::toString(created.takeError()));
  compiled.engine = std::move(*created);
  // Materialize the entry: code generation and symbol resolution (for a
  // GPU module, against the CUDA runtime), without running constructors.
  auto fn = compiled.engine->lookupPacked(entry);
  if (!fn)
    return error("cannot compile '" + source +
                 "': " + llvm::toString(fn.takeError()));
  if (cache)
    storeInCache(*cache, cacheKey, *compiled.engine, options);
  else if (options.verbose)
    llvm::errs() << options.logName << ": compiled '" << entry << "'\n";
  return compiled;
}
