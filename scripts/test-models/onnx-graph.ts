import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by the generated graphs. */
export const DataType = {
  float: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
} as const;

/** One of {@link DataType}'s values. */
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** A node attribute: a number is an INT, an array INTS, `{ float }` a FLOAT. */
export type AttrValue = number | number[] | { float: number };

/** A tensor dimension: a fixed size, or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/** Weight format of the MatMuls in a graph. */
export type WeightFormat = 'fp32' | 'q8';

/** Largest int64, for "to the end" in Slice (not representable as a JS number). */
const INT64_MAX = 0x7fffffffffffffffn;

/**
 * Builds an ONNX graph (opset 17, IR 8) node by node with the protobuf definitions from `onnx-proto`.
 * Every intermediate value gets a fresh name, so helpers can be composed freely.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly quantizedInputs = new Map<string, [string, string, string]>();
  private counter = 0;

  /** @param weightFormat how {@link linear} stores and multiplies its weights */
  constructor(readonly weightFormat: WeightFormat) {}

  /** Declares a graph input. */
  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output, renaming `value` to `name` with an Identity when they differ. */
  output(value: string, name: string, type: ElemType, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [name], name });
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a node with one output and returns that output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const [out] = this.opN(opType, inputs, 1, attrs);
    return out as string;
  }

  /** Adds a node with `outputs` outputs and returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}): string[] {
    const id = this.counter++;
    const names = Array.from({ length: outputs }, (_, i) => `${opType}_${id}_out${i}`);
    const attribute = Object.entries(attrs).map(([name, value]) => attr(name, value));
    this.nodes.push({ opType, input: inputs, output: names, name: `${opType}_${id}`, attribute });
    return names;
  }

  /** A float32 initializer. */
  floatTensor(name: string, dims: number[], data: Float32Array): string {
    return this.raw(
      name,
      DataType.float,
      dims,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  /** A uint8 initializer. */
  uint8Tensor(name: string, dims: number[], data: Uint8Array): string {
    return this.raw(name, DataType.uint8, dims, data);
  }

  /** An int64 constant, shared by every use of the same values and shape. */
  int64(values: (number | bigint)[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    return this.constant(key, () => {
      const data = BigInt64Array.from(values, (v) => BigInt(v));
      return this.raw(`const_${this.constants.size}`, DataType.int64, dims, new Uint8Array(data.buffer));
    });
  }

  /** A float constant, shared like {@link int64}. */
  float(values: number[], dims: number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    return this.constant(key, () =>
      this.floatTensor(`const_${this.constants.size}`, dims, Float32Array.from(values)),
    );
  }

  /** `int64` "to the end" for Slice. */
  int64Max(): string {
    return this.int64([INT64_MAX]);
  }

  /**
   * `x @ weight`, `weight` [inFeatures, outFeatures]. In q8 graphs the weight is uint8 (symmetric, zero
   * point 128, one scale per tensor), multiplied with DynamicQuantizeLinear + MatMulInteger as dynamically
   * quantized Hugging Face exports do; each input is quantized once and shared (q, k and v; gate and up).
   */
  linear(x: string, name: string, weight: Float32Array, inFeatures: number, outFeatures: number): string {
    if (this.weightFormat === 'fp32') {
      return this.op('MatMul', [x, this.floatTensor(name, [inFeatures, outFeatures], weight)]);
    }
    let maxAbs = 0;
    for (const w of weight) maxAbs = Math.max(maxAbs, Math.abs(w));
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    const q = new Uint8Array(weight.length);
    for (let i = 0; i < weight.length; i++) {
      q[i] = Math.max(0, Math.min(255, Math.round((weight[i] as number) / scale) + 128));
    }
    const w = this.uint8Tensor(`${name}_quantized`, [inFeatures, outFeatures], q);
    const wZero = this.uint8Tensor(`${name}_zero_point`, [], Uint8Array.of(128));
    const wScale = this.floatTensor(`${name}_scale`, [], Float32Array.of(scale));
    let quantized = this.quantizedInputs.get(x);
    if (!quantized) {
      quantized = this.opN('DynamicQuantizeLinear', [x], 3) as [string, string, string];
      this.quantizedInputs.set(x, quantized);
    }
    const [xq, xScale, xZero] = quantized;
    const product = this.op('MatMulInteger', [xq, w, xZero, wZero]);
    const scales = this.op('Mul', [xScale, wScale]);
    return this.op('Mul', [this.op('Cast', [product], { to: DataType.float }), scales]);
  }

  /** Slices `x` along `axis` from `start` (a 1-element int64 value) to the end. */
  sliceFrom(x: string, start: string, axis: number): string {
    return this.op('Slice', [x, start, this.int64Max(), this.int64([axis])]);
  }

  /** The ModelProto bytes. */
  toBytes(producerVersion: string): Uint8Array {
    const model = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: 'pagewise-test-models',
      producerVersion,
      graph: {
        name: 'main',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  private raw(name: string, dataType: ElemType, dims: number[], rawData: Uint8Array): string {
    this.initializers.push({ name, dataType, dims, rawData });
    return name;
  }

  private constant(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = make();
      this.constants.set(key, name);
    }
    return name;
  }
}

function valueInfo(name: string, elemType: ElemType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function attr(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
