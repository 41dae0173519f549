// Runs one ONNX model with ONNX Runtime's CPU provider on a float32 .npy
// input and writes every output as OUTDIR/<output name>.npy, then prints one
// JSON line: {"outputs": [{"name", "shape"}], "ort": version}.
// usage: node run.mjs MODEL.onnx INPUT.npy OUTDIR [--threads N]
import ort from "onnxruntime-node";
import fs from "node:fs";
import path from "node:path";

function readNpy(file) {
  const b = fs.readFileSync(file);
  const hlen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + hlen).toString("latin1");
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${file}: expected a little-endian float32 C-order .npy`);
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + hlen;
  return { shape, data: new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length)) };
}

function writeNpy(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const h = Buffer.alloc(10);
  h.write("\x93NUMPY", 0, "latin1");
  h[6] = 1; h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

const argv = process.argv.slice(2);
const i = argv.indexOf("--threads");
const threads = i >= 0 ? Number(argv[i + 1]) : 1;
const [model, input, outdir] = argv.filter((a, k) => !a.startsWith("--") && (k === 0 || argv[k - 1] !== "--threads"));
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
});
const x = readNpy(input);
const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x.data, x.shape) });
const outputs = [];
for (const name of session.outputNames) {
  const t = out[name];
  writeNpy(path.join(outdir, `${name}.npy`), t.dims, t.data);
  outputs.push({ name, shape: Array.from(t.dims) });
}
console.log(JSON.stringify({ outputs }));
