//===- uniform-fuzz-mlir.cpp - libFuzzer target for the attn passes -------===//
//
// Parses each input as MLIR text with every dialect the project's tools
// know. When it parses and verifies, each of these runs on its own parse of
// the input, in a context of its own:
//   - attn-raise                      (lib/Conversion/TosaToAttn)
//   - attn-reuse-heads, exact (report=true) and allow-approximation=true
//   - attn-cost-report, as JSON to /dev/null
//   - convert-attn-to-linalg, both strategies (online with 3-key tiles, so
//     that the last tile is clamped)
//   - convert-attn-to-nvgpu           (builds kernels; needs no GPU)
//   - uniform-cpu-pipeline            (the whole CPU lowering)
// Each may fail with a diagnostic; none may crash, trip a sanitizer, or
// succeed with IR that does not verify. Inputs that could reach a known
// crash in upstream MLIR's linalg parsers are skipped (see
// mayCrashLinalgArrayParser); nothing else is.
//
// The custom mutator edits the printed form of inputs that parse: it
// changes a dimension (in one type or everywhere it occurs, so that shapes
// stay consistent and the input gets past the verifier), a rank, an element
// type, an attention scale, an integer attribute, the order of an op's
// operands, or drops an attention bias. The rest, and what does not parse,
// go to libFuzzer's byte mutations.
//
// Run it with tools/fuzz.sh. Built without UNIFORM_FUZZ it replays files
// instead (ReplayMain.cpp), which is how lit runs test/Fuzz/mlir.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "uniform/Conversion/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Pipelines/Pipelines.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>
#include <string>
#include <vector>

using namespace mlir;
using uniform::fuzz::FuzzContext;
using uniform::fuzz::Random;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

/// Skips what MLIR's lexer skips between tokens: whitespace and `//`
/// comments.
static size_t skipTrivia(llvm::StringRef text, size_t pos) {
  while (pos < text.size()) {
    if (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
        text[pos] == '\r') {
      ++pos;
    } else if (text.substr(pos).starts_with("//")) {
      pos = text.find('\n', pos);
    } else {
      break;
    }
  }
  return std::min(pos, text.size());
}

/// Whether `text` may reach a crash in upstream MLIR 22's parser rather than
/// in this project: linalg's custom parsers of `linalg.broadcast` and
/// `linalg.reduce` (`dimensions = [...]`) and `linalg.transpose`
/// (`permutation = [...]`) store the result of DenseI64ArrayAttr::parse
/// without checking it (parseDenseI64ArrayAttr in
/// mlir/lib/Dialect/Linalg/IR/LinalgOps.cpp), and NamedAttrList::set then
/// dereferences the null attribute when the list is not one of i64s
/// (`dimensions = [x]`, `permutation = [99999999999999999999]`). Stock
/// mlir-opt crashes on those too. This is conservative: it accepts the
/// keyword followed by `= array<` (the generic form) or by a plain list of
/// decimal integers, and flags anything else.
static bool mayCrashLinalgArrayParser(llvm::StringRef text) {
  auto isIdentifierChar = [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.';
  };
  for (llvm::StringRef keyword : {"dimensions", "permutation"}) {
    for (size_t at = text.find(keyword); at != llvm::StringRef::npos;
         at = text.find(keyword, at + 1)) {
      size_t pos = at + keyword.size();
      if ((at > 0 && (isIdentifierChar(text[at - 1]) ||
                      llvm::StringRef("%@#!^").contains(text[at - 1]))) ||
          (pos < text.size() && isIdentifierChar(text[pos])))
        continue;
      pos = skipTrivia(text, pos);
      if (pos >= text.size() || text[pos] != '=')
        continue; // parseEqual fails cleanly.
      pos = skipTrivia(text, pos + 1);
      if (text.substr(pos).starts_with("array<"))
        continue; // An attribute dictionary: parsed safely.
      if (pos >= text.size() || text[pos] != '[')
        return true;
      pos = skipTrivia(text, pos + 1);
      if (pos < text.size() && text[pos] == ']')
        continue;
      while (true) {
        if (pos < text.size() && text[pos] == '-')
          ++pos;
        size_t digits = pos;
        while (pos < text.size() && llvm::isDigit(text[pos]))
          ++pos;
        // Up to 18 digits always fit in an int64_t.
        if (pos == digits || pos - digits > 18)
          return true;
        pos = skipTrivia(text, pos);
        if (pos < text.size() && text[pos] == ']')
          break;
        if (pos >= text.size() || text[pos] != ',')
          return true;
        pos = skipTrivia(text, pos + 1);
      }
    }
  }
  return false;
}

/// Parses `text` into a module of `context`; null (with the diagnostics
/// swallowed by the context) when it does not parse or verify, or when it
/// could reach the upstream parser crash above.
static OwningOpRef<ModuleOp> parse(llvm::StringRef text, FuzzContext &context) {
  if (mayCrashLinalgArrayParser(text))
    return nullptr;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz-input"), llvm::SMLoc());
  ParserConfig config(context.get(), /*verifyAfterParse=*/true);
  return parseSourceFile<ModuleOp>(sourceMgr, config);
}

//===----------------------------------------------------------------------===//
// The target
//===----------------------------------------------------------------------===//

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  {
    FuzzContext context;
    if (!parse(text, context))
      return 0;
  }

  using Builder = void (*)(OpPassManager &);
  static constexpr std::pair<const char *, Builder> kPipelines[] = {
      {"attn-raise",
       [](OpPassManager &pm) { pm.addPass(uniform::createAttnRaise()); }},
      {"attn-reuse-heads",
       [](OpPassManager &pm) {
         uniform::attn::AttnReuseHeadsOptions options;
         options.report = true;
         pm.addPass(uniform::attn::createAttnReuseHeads(options));
       }},
      {"attn-reuse-heads{allow-approximation=true}",
       [](OpPassManager &pm) {
         uniform::attn::AttnReuseHeadsOptions options;
         options.allowApproximation = true;
         pm.addPass(uniform::attn::createAttnReuseHeads(options));
       }},
      {"attn-cost-report{format=json output-file=/dev/null}",
       [](OpPassManager &pm) {
         uniform::attn::AttnCostReportOptions options;
         options.format = "json";
         options.outputFile = "/dev/null";
         pm.addPass(uniform::attn::createAttnCostReport(options));
       }},
      {"convert-attn-to-linalg",
       [](OpPassManager &pm) {
         pm.addPass(uniform::createConvertAttnToLinalg());
       }},
      {"convert-attn-to-linalg{strategy=online tile-m=3}",
       [](OpPassManager &pm) {
         uniform::ConvertAttnToLinalgOptions options;
         options.strategy = uniform::AttentionLoweringStrategy::Online;
         options.tileM = 3;
         pm.addPass(uniform::createConvertAttnToLinalg(options));
       }},
      {"convert-attn-to-nvgpu",
       [](OpPassManager &pm) {
         pm.addPass(uniform::createConvertAttnToNVGPU());
       }},
      {"uniform-cpu-pipeline",
       [](OpPassManager &pm) {
         uniform::buildCpuPipeline(pm, uniform::CpuPipelineOptions());
       }},
  };
  // Each pipeline runs in a context of its own, as in `uniform-opt
  // --pass-pipeline=...`: what one pipeline loads (the GPU dialect, for
  // convert-attn-to-nvgpu) must not change what the next one does (the GPU
  // dialect's canonicalization patterns).
  for (const auto &[name, build] : kPipelines) {
    FuzzContext context;
    OwningOpRef<ModuleOp> module = parse(text, context);
    if (!module)
      uniform::fuzz::reportBug("the input parsed once but not twice", context);
    uniform::fuzz::runPipeline(context, *module, name, build);
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// The structured mutator
//===----------------------------------------------------------------------===//

namespace {

/// A span of the text being mutated.
struct Span {
  size_t begin, end;
};

/// Mutates the printed form of a module that parsed and verified. Every
/// mutation is textual, on the spans it finds; the result may or may not
/// parse again.
class TextMutator {
public:
  TextMutator(std::string &text, Random &random) : text(text), random(random) {}

  /// Tries random kinds of mutation until one applies. Returns false when
  /// none did.
  bool mutate() {
    using Mutation = bool (TextMutator::*)();
    static constexpr Mutation kMutations[] = {
        &TextMutator::changeDimEverywhere,
        &TextMutator::changeDimEverywhere,
        &TextMutator::changeOneDim,
        &TextMutator::changeSignatureDim,
        &TextMutator::changeRank,
        &TextMutator::changeElementType,
        &TextMutator::changeScale,
        &TextMutator::changeScale,
        &TextMutator::changeInteger,
        &TextMutator::swapOperands,
        &TextMutator::dropBias,
    };
    for (int attempt = 0; attempt < 8; ++attempt)
      if ((this->*random.pick(llvm::ArrayRef(kMutations)))())
        return true;
    return false;
  }

private:
  /// The dimension tokens (digits or `?`) of every `tensor<...>` type in
  /// [begin, end).
  std::vector<Span> findDims(size_t begin = 0,
                             size_t end = std::string::npos) const {
    std::vector<Span> dims;
    end = std::min(end, text.size());
    for (size_t pos = text.find("tensor<", begin); pos < end;
         pos = text.find("tensor<", pos)) {
      pos += 7;
      while (pos < end) {
        size_t tokenEnd = pos;
        if (text[pos] == '?')
          ++tokenEnd;
        else
          while (tokenEnd < end && llvm::isDigit(text[tokenEnd]))
            ++tokenEnd;
        if (tokenEnd == pos || tokenEnd >= end || text[tokenEnd] != 'x')
          break;
        dims.push_back({pos, tokenEnd});
        pos = tokenEnd + 1;
      }
    }
    return dims;
  }

  /// A new extent: dynamic, zero, one, a UniForm-like size, off by one from
  /// a tile size, or huge.
  std::string newDim() {
    static constexpr const char *kDims[] = {"?",
                                            "0",
                                            "1",
                                            "2",
                                            "3",
                                            "4",
                                            "7",
                                            "8",
                                            "16",
                                            "17",
                                            "48",
                                            "49",
                                            "63",
                                            "64",
                                            "65",
                                            "1024",
                                            "4097",
                                            "1048576",
                                            "2147483648",
                                            "1099511627776",
                                            "9223372036854775807"};
    if (random.oneIn(4))
      return std::to_string(1 + random.below(128));
    return random.pick(llvm::ArrayRef(kDims));
  }

  void replace(Span span, llvm::StringRef with) {
    text.replace(span.begin, span.end - span.begin, with.str());
  }

  /// Replaces spans (sorted, disjoint) from the back so that the offsets
  /// of the others stay valid.
  void replaceAll(const std::vector<Span> &spans, llvm::StringRef with) {
    for (auto it = spans.rbegin(); it != spans.rend(); ++it)
      replace(*it, with);
  }

  llvm::StringRef spanText(Span span) const {
    return llvm::StringRef(text).slice(span.begin, span.end);
  }

  /// One extent value changed in every type where it occurs, so that the
  /// shapes stay consistent (49 -> 1 everywhere is still valid attention).
  bool changeDimEverywhere() {
    std::vector<Span> dims = findDims();
    if (dims.empty())
      return false;
    std::string old = spanText(dims[random.below(dims.size())]).str();
    std::vector<Span> same;
    for (Span span : dims)
      if (spanText(span) == old)
        same.push_back(span);
    replaceAll(same, newDim());
    return true;
  }

  bool changeOneDim() {
    std::vector<Span> dims = findDims();
    if (dims.empty())
      return false;
    replace(dims[random.below(dims.size())], newDim());
    return true;
  }

  /// A dimension of a function signature only.
  bool changeSignatureDim() {
    std::vector<Span> funcs;
    for (size_t pos = text.find("func.func"); pos != std::string::npos;
         pos = text.find("func.func", pos + 1))
      funcs.push_back({pos, text.find('\n', pos)});
    if (funcs.empty())
      return false;
    Span func = funcs[random.below(funcs.size())];
    std::vector<Span> dims = findDims(func.begin, func.end);
    if (dims.empty())
      return false;
    replace(dims[random.below(dims.size())], newDim());
    return true;
  }

  /// Adds or removes a dimension of one type.
  bool changeRank() {
    std::vector<Span> dims = findDims();
    if (dims.empty())
      return false;
    Span dim = dims[random.below(dims.size())];
    if (random.oneIn(2))
      text.erase(dim.begin, dim.end - dim.begin + 1); // With its 'x'.
    else
      text.insert(dim.begin, newDim() + "x");
    return true;
  }

  /// The element type of one or every tensor type of some float type.
  bool changeElementType() {
    static constexpr const char *kTypes[] = {"f32", "f16", "bf16",
                                             "f64", "i32", "i8"};
    std::vector<Span> uses;
    llvm::StringRef from = random.pick(llvm::ArrayRef(kTypes));
    std::string pattern = "x" + from.str() + ">";
    for (size_t pos = text.find(pattern); pos != std::string::npos;
         pos = text.find(pattern, pos + 1))
      uses.push_back({pos + 1, pos + 1 + from.size()});
    if (uses.empty())
      return false;
    llvm::StringRef to = random.pick(llvm::ArrayRef(kTypes));
    if (random.oneIn(2))
      replace(uses[random.below(uses.size())], to);
    else
      replaceAll(uses, to);
    return true;
  }

  /// The scale of an attention op, custom (`scale(0.25)`) or generic
  /// (`scale = 2.500000e-01 : f32`) form.
  bool changeScale() {
    static constexpr const char *kScales[] = {
        "0.0",        "-0.0",       "-1.0",       "1.0",
        "0x7F800000", "0xFF800000", "0x7FC00000", "0x00000001",
        "1.0e-30",    "3.0e+38",    "65504.0",    "1.0e+05"};
    std::vector<Span> scales;
    for (size_t pos = text.find("scale("); pos != std::string::npos;
         pos = text.find("scale(", pos + 1))
      scales.push_back({pos + 6, text.find(')', pos)});
    for (size_t pos = text.find("scale = "); pos != std::string::npos;
         pos = text.find("scale = ", pos + 1))
      scales.push_back({pos + 8, text.find(" : f32", pos)});
    llvm::erase_if(scales, [](Span s) { return s.end == std::string::npos; });
    if (scales.empty())
      return false;
    std::string value = random.oneIn(4)
                            ? "0." + std::to_string(random.below(1000000))
                            : std::string(random.pick(llvm::ArrayRef(kScales)));
    replace(scales[random.below(scales.size())], value);
    return true;
  }

  /// An integer literal outside type dimensions: an axis, a perm entry, a
  /// constant, an offset or size of a slice, ...
  bool changeInteger() {
    std::vector<Span> literals;
    for (size_t pos = 0; pos < text.size(); ++pos) {
      if (!llvm::isDigit(text[pos]))
        continue;
      size_t end = pos;
      while (end < text.size() && llvm::isDigit(text[end]))
        ++end;
      char before = pos ? text[pos - 1] : ' ';
      char after = end < text.size() ? text[end] : ' ';
      if ((before == ' ' || before == '[' || before == '(' || before == '<' ||
           before == '-') &&
          after != 'x' && after != '.' && after != 'e')
        literals.push_back({pos, end});
      pos = end;
    }
    if (literals.empty())
      return false;
    Span literal = literals[random.below(literals.size())];
    int64_t old = 0;
    (void)spanText(literal).getAsInteger(10, old);
    int64_t value = random.interestingInt(old);
    // A leading '-' is only valid where the literal may be negative.
    bool mayBeNegative = literal.begin > 0 && text[literal.begin - 1] == ' ';
    std::string spelled = std::to_string(value);
    if (value < 0 && !mayBeNegative)
      spelled = spelled.substr(1); // The magnitude, also of INT64_MIN.
    replace(literal, spelled);
    return true;
  }

  /// Swaps two operands of one op (an attention op half of the time).
  bool swapOperands() {
    std::vector<Span> lines;
    bool attnOnly = random.oneIn(2);
    for (size_t begin = 0; begin < text.size();) {
      size_t end = std::min(text.find('\n', begin), text.size());
      llvm::StringRef line = llvm::StringRef(text).slice(begin, end);
      if (line.contains(" = ") && (!attnOnly || line.contains("attn.mha") ||
                                   line.contains("attn.reuse")))
        lines.push_back({begin, end});
      begin = end + 1;
    }
    if (lines.empty())
      return false;
    Span line = lines[random.below(lines.size())];
    // The operands: the values used right of the " = ".
    std::vector<Span> operands;
    for (size_t pos = text.find(" = ", line.begin) + 3; pos < line.end; ++pos) {
      if (text[pos] != '%')
        continue;
      size_t end = pos + 1;
      while (end < line.end &&
             (llvm::isAlnum(text[end]) || text[end] == '_' ||
              text[end] == '#' || text[end] == '.' || text[end] == '$'))
        ++end;
      operands.push_back({pos, end});
      pos = end - 1;
    }
    if (operands.size() < 2)
      return false;
    size_t a = random.below(operands.size());
    size_t b = random.below(operands.size() - 1);
    if (b >= a)
      ++b;
    if (a > b)
      std::swap(a, b);
    std::string first = spanText(operands[a]).str();
    std::string second = spanText(operands[b]).str();
    replace(operands[b], first);
    replace(operands[a], second);
    return true;
  }

  /// Removes the bias of an attention op in custom form: the op stays
  /// valid, and takes the paths for attention without bias.
  bool dropBias() {
    std::vector<Span> biases;
    for (size_t pos = text.find(" bias("); pos != std::string::npos;
         pos = text.find(" bias(", pos + 1)) {
      // The bias type nests angle brackets, not parentheses.
      size_t end = text.find(')', pos);
      if (end != std::string::npos)
        biases.push_back({pos, end + 1});
    }
    if (biases.empty())
      return false;
    replace(biases[random.below(biases.size())], "");
    return true;
  }

  std::string &text;
  Random &random;
};

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  Random random(seed);
  if (random.oneIn(2))
    return LLVMFuzzerMutate(data, size, maxSize);
  std::string text;
  {
    FuzzContext context;
    OwningOpRef<ModuleOp> module = parse(
        llvm::StringRef(reinterpret_cast<const char *>(data), size), context);
    if (!module)
      return LLVMFuzzerMutate(data, size, maxSize);
    // The generic form now and then: it spells out what the custom form
    // implies (operand segment sizes, attribute types).
    OpPrintingFlags flags;
    if (random.oneIn(4))
      flags.printGenericOpForm();
    llvm::raw_string_ostream os(text);
    module->print(os, flags);
  }
  TextMutator mutator(text, random);
  // One to three changes: some bugs need two (say, a dim and a scale).
  uint64_t changes = 1 + random.below(3);
  bool changed = false;
  for (uint64_t i = 0; i < changes; ++i)
    changed |= mutator.mutate();
  if (!changed || text.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, text.data(), text.size());
  return text.size();
}
