// Loading: verify once, link once, index names once; and the import check
// every runtime (and `brainvm verify`) makes against a host registry.
#include "brainvm/loaded_program.h"

#include <algorithm>

#include "brainvm/image.h"
#include "brainvm/opcodes.h"
#include "brainvm/verifier.h"
#include "intrinsics.h"
#include "linked_code.h"

namespace brainvm {

LoadedProgram::~LoadedProgram() = default;

Result<std::shared_ptr<const LoadedProgram>> LoadedProgram::load(
    Program program, const LoadOptions& options) {
  std::shared_ptr<LoadedProgram> lp(new LoadedProgram());
  VerifyOptions vo;
  vo.maxStackSize = options.maxStackSize;
  vo.requireRunnable = options.requireRunnable;
  vo.fileName = options.fileName;
  vo.depths = &lp->depths_;
  if (Status s = verifyProgram(program, vo); !s) return s.takeError();

  lp->program_ = std::move(program);
  lp->options_ = options;
  const Program& p = lp->program_;
  for (const Function& f : p.functions)
    lp->maxOperandDepth_ = std::max(lp->maxOperandDepth_, f.maxStack);
  // emplace keeps the first of equal names, as a linear search would.
  for (uint32_t i = 0; i < p.functions.size(); ++i)
    lp->functionIndex_.emplace(p.functions[i].name, i);
  for (uint32_t i = 0; i < p.variableNames.size(); ++i)
    lp->variableIndex_.emplace(p.variableNames[i], i);

  lp->linked_ = std::make_unique<Linked>();
  for (const HostImport& imp : p.hostImports)
    lp->linked_->intrinsics.push_back(static_cast<uint8_t>(
        imp.async ? Intrinsic::None : builtinIntrinsicOf(imp.name)));
  lp->linked_->code =
      linkProgram(p, lp->linked_->intrinsics, options.superinstructions);
  return std::shared_ptr<const LoadedProgram>(std::move(lp));
}

uint64_t LoadedProgram::contentHash() const {
  std::call_once(hashOnce_, [this] {
    // FNV-1a over the image bytes (debug info included).
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : writeImage(program_)) {
      h ^= b;
      h *= 0x100000001b3ull;
    }
    hash_ = h;
  });
  return hash_;
}

std::optional<uint32_t> LoadedProgram::findFunction(
    std::string_view name) const {
  auto it = functionIndex_.find(name);
  if (it == functionIndex_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> LoadedProgram::findVariable(
    std::string_view name) const {
  auto it = variableIndex_.find(name);
  if (it == variableIndex_.end()) return std::nullopt;
  return it->second;
}

namespace {

// Where import `index` is first called: function and pc, if anywhere.
std::optional<std::pair<uint32_t, uint32_t>> firstCallOf(const Program& p,
                                                        uint32_t index) {
  for (uint32_t f = 0; f < p.functions.size(); ++f) {
    const std::vector<Instr>& code = p.functions[f].code;
    for (uint32_t pc = 0; pc < code.size(); ++pc) {
      const OpcodeInfo* info = opcodeInfo(code[pc].op);
      if (info && info->host != HostMode::None &&
          code[pc].a == static_cast<int32_t>(index))
        return std::make_pair(f, pc);
    }
  }
  return std::nullopt;
}

}  // namespace

Status checkImports(const Program& program, const HostRegistry& registry,
                    std::string_view fileName) {
  std::vector<Diagnostic> problems;
  for (uint32_t i = 0; i < program.hostImports.size(); ++i) {
    const HostImport& imp = program.hostImports[i];
    const HostFunction* fn = registry.find(imp.name);
    std::string message;
    if (!fn)
      message = "unknown host function '" + imp.name + "'";
    else if (fn->async != imp.async)
      message = "host function '" + imp.name + "' is " +
                (fn->async ? "async" : "sync") +
                " but the program imports it as " +
                (imp.async ? "async" : "sync");
    else
      continue;
    Diagnostic d = makeDiagnostic(std::move(message));
    d.file = program.sourceName.empty() ? std::string(fileName)
                                        : program.sourceName;
    if (auto at = firstCallOf(program, i)) {
      d.function = program.functions[at->first].name;
      d.pc = at->second;
      d.line = program.lineOf(at->first, at->second);
    }
    problems.push_back(std::move(d));
  }
  if (!problems.empty()) return Error(ErrorCode::LinkError, std::move(problems));
  return Ok{};
}

}  // namespace brainvm
