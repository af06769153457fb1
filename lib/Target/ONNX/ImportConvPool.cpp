//===- ImportConvPool.cpp - ONNX convolutions and pools to TOSA -----------===//
//
// Conv (plain, depthwise, grouped; any strides, pads and dilations),
// MaxPool and AveragePool, 2-D in NHWC between transposes that cancel
// against their neighbours'; 1-D ones as 2-D of height 1.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// Whether every value of `values` is within (-2^20, 2^20): window extents
/// and output sizes are products and sums of kernel sizes, strides,
/// dilations, pads and input extents, so they are bounded first.
static bool areSmall(ArrayRef<int64_t> values) {
  return llvm::all_of(values, [](int64_t v) {
    return v > -(int64_t(1) << 20) && v < (int64_t(1) << 20);
  });
}

std::optional<int64_t> fitWindows(int64_t in, int64_t window, int64_t padBegin,
                                  int64_t &padEnd, int64_t stride,
                                  int64_t &cut) {
  int64_t span = in + padBegin + padEnd - window;
  if (span < 0)
    return std::nullopt;
  int64_t extra = span % stride;
  cut = std::max<int64_t>(0, extra - padEnd);
  padEnd -= extra - cut;
  return (span - extra) / stride + 1;
}

/// ONNX Conv (NCHW, weights [O, I/group, KH, KW]) in NHWC between two
/// transposes that cancel against their neighbours': tosa.conv2d (group 1),
/// tosa.depthwise_conv2d (group = input channels), one tosa.conv2d per group
/// (a few groups), or a depthwise convolution summed per group (many).
Importer::Window Importer::window(const onnx::NodeProto &node,
                                  int64_t spatial) {
  auto get = [&](StringRef name, int64_t fallback, int64_t count) {
    return intsAttr(node, name).value_or(SmallVector<int64_t>(count, fallback));
  };
  Window w{get("kernel_shape", 1, spatial), get("strides", 1, spatial),
           get("dilations", 1, spatial), get("pads", 0, 2 * spatial)};
  for (ArrayRef<int64_t> values : {w.kernel, w.strides, w.dilations, w.pads})
    if (!areSmall(values))
      failAt(node, "kernel_shape, strides, dilations and pads must be "
                   "smaller than 2^20");
  if (spatial != 1 || w.kernel.size() != 1 || w.strides.size() != 1 ||
      w.dilations.size() != 1 || w.pads.size() != 2)
    return w; // 2-D, or wrong sizes for the caller to report.
  // A 1-D window is a 2-D one of height 1; ONNX pads are [begin..., end...].
  return Window{{1, w.kernel[0]},
                {1, w.strides[0]},
                {1, w.dilations[0]},
                {0, w.pads[0], 0, w.pads[1]}};
}

/// The input, weight and optional bias of a Conv or ConvTranspose, whose
/// pads must be explicit.
std::tuple<Value, Value, Value>
Importer::convOperands(const onnx::NodeProto &node) {
  if (const auto *attr = findAttr(node, "auto_pad");
      attr && attr->s() != "NOTSET")
    failAt(node, "auto_pad is not supported");
  return {input(node, 0), input(node, 1),
          hasInput(node, 2) ? input(node, 2) : Value()};
}

/// Conv of 1-D (as 2-D of height 1) or 2-D inputs.
Value Importer::importConv(const onnx::NodeProto &node) {
  auto [x, w, bias] = convOperands(node);
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  if (xt.getRank() == 4)
    return conv2d(node, x, w, bias, window(node, 2));
  if (xt.getRank() != 3 || wt.getRank() != 3)
    failAt(node, "only 1-D and 2-D convolutions are supported");
  Value y = conv2d(
      node,
      reshape(x, {xt.getDimSize(0), xt.getDimSize(1), 1, xt.getDimSize(2)}),
      reshape(w, {wt.getDimSize(0), wt.getDimSize(1), 1, wt.getDimSize(2)}),
      bias, window(node, 1));
  RankedTensorType yt = typeOf(y);
  return reshape(y, {yt.getDimSize(0), yt.getDimSize(1), yt.getDimSize(3)});
}

/// The stride, dilation and padding attributes every TOSA convolution of one
/// ONNX Conv shares.
struct Importer::ConvAttrs {
  DenseI64ArrayAttr pad, stride, dilation;
};

/// Group 1: tosa.conv2d on OHWI weights.
Value Importer::denseConv(Value nhwc, Value w, Value bias,
                          RankedTensorType outType, const ConvAttrs &attrs) {
  return tosa::Conv2DOp::create(
      b, loc, outType, nhwc, transpose(w, {0, 2, 3, 1}), bias, attrs.pad,
      attrs.stride, attrs.dilation, TypeAttr::get(b.getF32Type()));
}

/// One group per input channel: tosa.depthwise_conv2d, whose multiplier is
/// the outputs per channel (weights [C * M, 1, KH, KW] as [KH, KW, C, M]).
Value Importer::depthwiseConv(Value nhwc, Value w, Value bias,
                              RankedTensorType outType,
                              const ConvAttrs &attrs) {
  RankedTensorType wt = typeOf(w);
  int64_t c = typeOf(nhwc).getDimSize(3);
  Value cmhw =
      reshape(w, {c, wt.getDimSize(0) / c, wt.getDimSize(2), wt.getDimSize(3)});
  return tosa::DepthwiseConv2DOp::create(
      b, loc, outType, nhwc, transpose(cmhw, {2, 3, 0, 1}), bias, attrs.pad,
      attrs.stride, attrs.dilation, TypeAttr::get(b.getF32Type()));
}

/// A few groups: one tosa.conv2d per group on its channel slices, outputs
/// concatenated along channels (NHWC: the last dimension).
Value Importer::slicedGroupConv(Value nhwc, Value w, Value bias, int64_t group,
                                RankedTensorType outType,
                                const ConvAttrs &attrs) {
  RankedTensorType xt = typeOf(nhwc), wt = typeOf(w);
  int64_t n = xt.getDimSize(0), h = xt.getDimSize(1), wd = xt.getDimSize(2);
  int64_t ci = xt.getDimSize(3) / group, co = wt.getDimSize(0) / group;
  int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  SmallVector<Value> parts;
  for (int64_t g = 0; g < group; ++g) {
    auto type = RankedTensorType::get(
        {n, outType.getDimSize(1), outType.getDimSize(2), co}, b.getF32Type());
    parts.push_back(denseConv(slice(nhwc, {0, 0, 0, g * ci}, {n, h, wd, ci}),
                              slice(w, {g * co, 0, 0, 0}, {co, ci, kh, kw}),
                              slice(bias, {g * co}, {co}), type, attrs));
  }
  return tosa::ConcatOp::create(b, loc, outType, parts, b.getI32IntegerAttr(3));
}

/// Many groups (RegNet's and ResNeXt's group widths): one depthwise
/// convolution whose multiplier is the outputs per group, each input channel
/// applying the weights of its group's outputs, then a sum over each group's
/// input channels, and the bias. The same multiply-adds as one convolution
/// per group, in three ops instead of `group` convolutions and a concat; the
/// depthwise result is as wide as the output times the inputs per group.
Value Importer::summedGroupConv(Value nhwc, Value w, Value bias, int64_t group,
                                RankedTensorType outType,
                                const ConvAttrs &attrs) {
  RankedTensorType xt = typeOf(nhwc), wt = typeOf(w);
  int64_t c = xt.getDimSize(3), ci = c / group, co = wt.getDimSize(0) / group;
  int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t n = outType.getDimSize(0), oh = outType.getDimSize(1),
          ow = outType.getDimSize(2);
  // [G * Co, Ci, KH, KW] -> [KH, KW, G, Ci, Co] -> [KH, KW, C, Co]: input
  // channel g * Ci + i multiplies by the weights of outputs g * Co + m.
  Value grouped = reshape(w, {group, co, ci, kh, kw});
  Value hwcm = reshape(transpose(grouped, {3, 4, 0, 2, 1}), {kh, kw, c, co});
  auto zeroType = RankedTensorType::get({c * co}, b.getF32Type());
  Value zero = tosa::ConstOp::create(b, loc, zeroType,
                                     DenseElementsAttr::get(zeroType, 0.0f));
  Value products = tosa::DepthwiseConv2DOp::create(
      b, loc, RankedTensorType::get({n, oh, ow, c * co}, b.getF32Type()), nhwc,
      hwcm, zero, attrs.pad, attrs.stride, attrs.dilation,
      TypeAttr::get(b.getF32Type()));
  // Depthwise output channel (g * Ci + i) * Co + m: sum over i.
  Value sums = tosa::ReduceSumOp::create(
      b, loc,
      RankedTensorType::get({n * oh * ow, group, 1, co}, b.getF32Type()),
      reshape(products, {n * oh * ow, group, ci, co}), b.getI32IntegerAttr(2));
  return binary("Add", reshape(sums, {n, oh, ow, group * co}),
                reshape(bias, {1, 1, 1, group * co}));
}

Value Importer::conv2d(const onnx::NodeProto &node, Value x, Value w,
                       Value bias, const Window &window) {
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  int64_t group = intAttr(node, "group", 1);
  const SmallVector<int64_t> &strides = window.strides, &dil = window.dilations;
  SmallVector<int64_t> pads = window.pads; // t, l, b, r
  // libonnx's checker lets some of these through (group 0, say).
  auto positive = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x >= 1; });
  };
  if (wt.getRank() != 4 || group < 1 || strides.size() != 2 ||
      dil.size() != 2 || pads.size() != 4 || !positive(strides) ||
      !positive(dil) || llvm::any_of(pads, [](int64_t p) { return p < 0; }) ||
      !areSmall({group, xt.getDimSize(2), xt.getDimSize(3), wt.getDimSize(1),
                 wt.getDimSize(2), wt.getDimSize(3)}) ||
      wt.getDimSize(0) % group != 0 || xt.getDimSize(1) % group != 0 ||
      wt.getDimSize(1) * group != xt.getDimSize(1))
    failAt(node,
           "inconsistent weight shape, group, strides, dilations or pads");
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
          wd = xt.getDimSize(3);
  int64_t o = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  if (bias && (typeOf(bias).getRank() != 1 || typeOf(bias).getDimSize(0) != o))
    failAt(node, "the bias must have one value per output channel");
  int64_t padH[2] = {pads[0], pads[2]}, padW[2] = {pads[1], pads[3]};
  int64_t cutH = 0, cutW = 0;
  std::optional<int64_t> oh =
      fitWindows(h, (kh - 1) * dil[0] + 1, padH[0], padH[1], strides[0], cutH);
  std::optional<int64_t> ow =
      fitWindows(wd, (kw - 1) * dil[1] + 1, padW[0], padW[1], strides[1], cutW);
  if (!oh || !ow)
    failAt(node, "the kernel is larger than the padded input");
  Value nhwc = tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, h, wd, c}, b.getF32Type()), x,
      b.getDenseI32ArrayAttr({0, 2, 3, 1}));
  if (cutH || cutW) {
    h -= cutH;
    wd -= cutW;
    nhwc = slice(nhwc, {0, 0, 0, 0}, {n, h, wd, c});
  }
  if (!bias) {
    auto type = RankedTensorType::get({o}, b.getF32Type());
    bias =
        tosa::ConstOp::create(b, loc, type, DenseElementsAttr::get(type, 0.0f));
  }
  ConvAttrs attrs{b.getDenseI64ArrayAttr({padH[0], padH[1], padW[0], padW[1]}),
                  b.getDenseI64ArrayAttr(strides), b.getDenseI64ArrayAttr(dil)};
  auto outType = RankedTensorType::get({n, *oh, *ow, o}, b.getF32Type());
  Value y;
  if (group == 1)
    y = denseConv(nhwc, w, bias, outType, attrs);
  else if (group == c && wt.getDimSize(1) == 1)
    y = depthwiseConv(nhwc, w, bias, outType, attrs);
  else if (group <= kMaxSlicedGroups)
    y = slicedGroupConv(nhwc, w, bias, group, outType, attrs);
  else
    y = summedGroupConv(nhwc, w, bias, group, outType, attrs);
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, o, *oh, *ow}, b.getF32Type()), y,
      b.getDenseI32ArrayAttr({0, 3, 1, 2}));
}

/// ConvTranspose of 1-D (as 2-D of height 1) or 2-D inputs. ONNX gives its
/// output extent as stride * (in - 1) + output_padding + the dilated kernel
/// - the pads, or sets it by output_shape (the pads then follow from it).
Value Importer::importConvTranspose(const onnx::NodeProto &node) {
  auto [x, w, bias] = convOperands(node);
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  int64_t spatial = xt.getRank() - 2;
  if ((spatial != 1 && spatial != 2) || wt.getRank() != xt.getRank())
    failAt(node, "only 1-D and 2-D transposed convolutions are supported");
  SmallVector<int64_t> outputPadding =
      intsAttr(node, "output_padding").value_or(SmallVector<int64_t>(spatial));
  std::optional<SmallVector<int64_t>> outputShape =
      intsAttr(node, "output_shape");
  if (static_cast<int64_t>(outputPadding.size()) != spatial ||
      (outputShape && static_cast<int64_t>(outputShape->size()) != spatial))
    failAt(node, "output_padding and output_shape need one value per "
                 "spatial dimension");
  if (spatial == 2)
    return convTranspose2d(node, x, w, bias, window(node, 2), outputPadding,
                           outputShape);
  if (outputShape)
    outputShape->insert(outputShape->begin(), 1);
  Value y = convTranspose2d(
      node,
      reshape(x, {xt.getDimSize(0), xt.getDimSize(1), 1, xt.getDimSize(2)}),
      reshape(w, {wt.getDimSize(0), wt.getDimSize(1), 1, wt.getDimSize(2)}),
      bias, window(node, 1), {0, outputPadding[0]}, outputShape);
  RankedTensorType yt = typeOf(y);
  return reshape(y, {yt.getDimSize(0), yt.getDimSize(1), yt.getDimSize(3)});
}

namespace {
/// One spatial axis of a transposed convolution as tosa.transpose_conv2d
/// computes it: `outPad` before and after (negative crops; TOSA keeps each
/// above minus the kernel), then `crop` more rows sliced off each end.
struct TransposedAxis {
  int64_t outPad[2], crop[2], extent;
};

std::optional<TransposedAxis> transposedAxis(int64_t in, int64_t kernel,
                                             int64_t stride, int64_t padBegin,
                                             int64_t padEnd,
                                             int64_t outputPadding) {
  TransposedAxis a;
  int64_t full = stride * (in - 1) + kernel;
  int64_t want[2] = {-padBegin, outputPadding - padEnd};
  for (int i = 0; i < 2; ++i) {
    a.outPad[i] = std::max(want[i], 1 - kernel);
    a.crop[i] = a.outPad[i] - want[i];
  }
  a.extent = full + want[0] + want[1];
  if (a.extent < 1)
    return std::nullopt;
  return a;
}
} // namespace

Value Importer::convTranspose2d(
    const onnx::NodeProto &node, Value x, Value w, Value bias,
    const Window &window, ArrayRef<int64_t> outputPadding,
    std::optional<SmallVector<int64_t>> outputShape) {
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  int64_t group = intAttr(node, "group", 1);
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1);
  int64_t h = xt.getDimSize(2), wd = xt.getDimSize(3);
  const SmallVector<int64_t> &strides = window.strides, &dil = window.dilations;
  SmallVector<int64_t> pads = window.pads; // t, l, b, r
  auto positive = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x >= 1; });
  };
  if (wt.getRank() != 4 || group < 1 || strides.size() != 2 ||
      dil.size() != 2 || pads.size() != 4 || !positive(strides) ||
      !positive(dil) || !areSmall(strides) || !areSmall(dil) ||
      !areSmall(pads) || !areSmall(outputPadding) || wt.getDimSize(0) != c ||
      c % group != 0 || !areSmall({h, wd, wt.getDimSize(2), wt.getDimSize(3)}))
    failAt(node, "inconsistent weight shape, group, strides, dilations or "
                 "pads");
  int64_t m = wt.getDimSize(1) * group, ci = c / group, mo = m / group;
  if (bias && (typeOf(bias).getRank() != 1 || typeOf(bias).getDimSize(0) != m))
    failAt(node, "the bias must have one value per output channel");
  // [C, M / group, KH, KW] as TOSA's [M, KH', KW', C] per group, the kernel
  // dilated by zeros between its taps.
  int64_t kernel[2] = {(wt.getDimSize(2) - 1) * dil[0] + 1,
                       (wt.getDimSize(3) - 1) * dil[1] + 1};
  int64_t in[2] = {h, wd};
  TransposedAxis axes[2];
  for (int i = 0; i < 2; ++i) {
    if (outputShape) {
      int64_t total = strides[i] * (in[i] - 1) + outputPadding[i] + kernel[i] -
                      (*outputShape)[i];
      pads[i] = total - total / 2;
      pads[2 + i] = total / 2;
    }
    std::optional<TransposedAxis> axis = transposedAxis(
        in[i], kernel[i], strides[i], pads[i], pads[2 + i], outputPadding[i]);
    if (!axis)
      failAt(node, "the output would be empty");
    axes[i] = *axis;
  }
  Value nhwc = transpose(x, {0, 2, 3, 1});
  Value ohwi = transpose(w, {1, 2, 3, 0}); // [M / group, KH, KW, C]
  for (int i = 0; i < 2; ++i)
    if (dil[i] != 1)
      ohwi = dilateAxis(ohwi, 1 + i, dil[i]);
  if (!bias) {
    auto type = RankedTensorType::get({m}, b.getF32Type());
    bias =
        tosa::ConstOp::create(b, loc, type, DenseElementsAttr::get(type, 0.0f));
  }
  int64_t oh =
      strides[0] * (h - 1) + kernel[0] + axes[0].outPad[0] + axes[0].outPad[1];
  int64_t ow =
      strides[1] * (wd - 1) + kernel[1] + axes[1].outPad[0] + axes[1].outPad[1];
  auto outPad = b.getDenseI64ArrayAttr({axes[0].outPad[0], axes[0].outPad[1],
                                        axes[1].outPad[0], axes[1].outPad[1]});
  SmallVector<Value> parts;
  for (int64_t g = 0; g < group; ++g) {
    Value xg =
        group == 1 ? nhwc : slice(nhwc, {0, 0, 0, g * ci}, {n, h, wd, ci});
    Value wg = group == 1 ? ohwi
                          : slice(ohwi, {0, 0, 0, g * ci},
                                  {mo, kernel[0], kernel[1], ci});
    Value bg = group == 1 ? bias : slice(bias, {g * mo}, {mo});
    parts.push_back(tosa::TransposeConv2DOp::create(
        b, loc, RankedTensorType::get({n, oh, ow, mo}, b.getF32Type()), xg, wg,
        bg, outPad, b.getDenseI64ArrayAttr(strides),
        TypeAttr::get(b.getF32Type())));
  }
  Value y = parts.front();
  if (group > 1)
    y = tosa::ConcatOp::create(
        b, loc, RankedTensorType::get({n, oh, ow, m}, b.getF32Type()), parts,
        b.getI32IntegerAttr(3));
  if (axes[0].crop[0] || axes[0].crop[1] || axes[1].crop[0] || axes[1].crop[1])
    y = slice(y, {0, axes[0].crop[0], axes[1].crop[0], 0},
              {n, axes[0].extent, axes[1].extent, m});
  return transpose(y, {0, 3, 1, 2});
}

/// `x` with `factor - 1` zeros between consecutive entries of `axis`.
Value Importer::dilateAxis(Value x, int64_t axis, int64_t factor) {
  RankedTensorType t = typeOf(x);
  SmallVector<int64_t> split(t.getShape());
  split.insert(split.begin() + axis + 1, 1);
  SmallVector<int64_t> padding(2 * split.size(), 0);
  padding[2 * (axis + 1) + 1] = factor - 1;
  SmallVector<int64_t> merged(t.getShape());
  merged[axis] *= factor;
  Value spread = reshape(pad(reshape(x, split), padding), merged);
  SmallVector<int64_t> size(t.getShape());
  size[axis] = (t.getDimSize(axis) - 1) * factor + 1;
  return slice(spread, SmallVector<int64_t>(t.getRank(), 0), size);
}

/// MaxPool and AveragePool, 1-D (as 2-D of height 1) or 2-D, without
/// ceil_mode or count_include_pad.
Value Importer::importPool(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  if (t.getRank() == 4)
    return pool2d(node, x, window(node, 2));
  if (t.getRank() != 3)
    failAt(node, "only 1-D and 2-D pooling is supported");
  Value y = pool2d(
      node, reshape(x, {t.getDimSize(0), t.getDimSize(1), 1, t.getDimSize(2)}),
      window(node, 1));
  RankedTensorType yt = typeOf(y);
  return reshape(y, {yt.getDimSize(0), yt.getDimSize(1), yt.getDimSize(3)});
}

Value Importer::pool2d(const onnx::NodeProto &node, Value x,
                       const Window &window) {
  StringRef op = node.op_type();
  RankedTensorType t = typeOf(x);
  const SmallVector<int64_t> &kernel = window.kernel, &strides = window.strides;
  SmallVector<int64_t> pads = window.pads;
  if (llvm::any_of(window.dilations, [](int64_t d) { return d != 1; }))
    failAt(node, "dilations other than 1 are not supported");
  if ((findAttr(node, "ceil_mode") && findAttr(node, "ceil_mode")->i()) ||
      (op == "AveragePool" && findAttr(node, "count_include_pad") &&
       findAttr(node, "count_include_pad")->i()))
    failAt(node, "ceil_mode and count_include_pad are not supported");
  if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
      llvm::any_of(kernel, [](int64_t k) { return k < 1; }) ||
      llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    failAt(node, "bad kernel_shape, strides or pads");
  // TOSA's pools pad by less than the kernel on every side.
  if (pads[0] >= kernel[0] || pads[2] >= kernel[0] || pads[1] >= kernel[1] ||
      pads[3] >= kernel[1])
    failAt(node, "padding as large as the kernel is not supported");
  int64_t n = t.getDimSize(0), c = t.getDimSize(1);
  // floor((in + pads - kernel) / stride) + 1 (ceil_mode is rejected).
  SmallVector<int64_t> outHW, inHW = {t.getDimSize(2), t.getDimSize(3)};
  int64_t cut[2];
  for (int i = 0; i < 2; ++i) {
    std::optional<int64_t> extent = fitWindows(inHW[i], kernel[i], pads[i],
                                               pads[2 + i], strides[i], cut[i]);
    if (!extent)
      failAt(node, "the kernel is larger than the padded input");
    outHW.push_back(*extent);
  }
  auto outT = RankedTensorType::get({n, c, outHW[0], outHW[1]}, b.getF32Type());
  Value nhwc = tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, inHW[0], inHW[1], c}, b.getF32Type()),
      x, b.getDenseI32ArrayAttr({0, 2, 3, 1}));
  if (cut[0] || cut[1])
    nhwc =
        slice(nhwc, {0, 0, 0, 0}, {n, inHW[0] - cut[0], inHW[1] - cut[1], c});
  auto outType = RankedTensorType::get(
      {n, outT.getDimSize(2), outT.getDimSize(3), c}, b.getF32Type());
  auto pad = b.getDenseI64ArrayAttr({pads[0], pads[2], pads[1], pads[3]});
  Value y = op == "MaxPool"
                ? tosa::MaxPool2dOp::create(
                      b, loc, outType, nhwc, b.getDenseI64ArrayAttr(kernel),
                      b.getDenseI64ArrayAttr(strides), pad)
                      .getResult()
                : tosa::AvgPool2dOp::create(b, loc, outType, nhwc,
                                            b.getDenseI64ArrayAttr(kernel),
                                            b.getDenseI64ArrayAttr(strides),
                                            pad, TypeAttr::get(b.getF32Type()))
                      .getResult();
  return tosa::TransposeOp::create(b, loc, outT, y,
                                   b.getDenseI32ArrayAttr({0, 3, 1, 2}));
}

void registerConvPoolOps(OpRegistry &registry) {
  registry.add("Conv", 13, &Importer::importConv);
  registry.add("ConvTranspose", 13, &Importer::importConvTranspose);
  registry.add("MaxPool", 13, &Importer::importPool);
  registry.add("AveragePool", 13, &Importer::importPool);
}

} // namespace onnx_import
} // namespace uniform
