// Times one ONNX model with ONNX Runtime's CPU provider on a synthetic input
// and prints one JSON line: {"model", "threads", "runs", "median_ms", "p10_ms", "p90_ms", "min_ms"}.
// usage: node time.mjs MODEL.onnx --shape 1,3,224,224 [--threads N] [--warmup W] [--runs R]
import ort from "onnxruntime-node";

const argv = process.argv.slice(2);
const flag = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const model = argv[0];
const shape = flag("--shape", "1,3,224,224").split(",").map(Number);
const threads = Number(flag("--threads", "1"));
const warmup = Number(flag("--warmup", "10"));
const runs = Number(flag("--runs", "200"));

const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});
const n = shape.reduce((a, b) => a * b, 1);
const data = new Float32Array(n);
for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 255) / 127.5 - 1;
const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, shape) };
for (let i = 0; i < warmup; i++) await session.run(feeds);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const q = (p) => {
  const pos = p * (times.length - 1), lo = Math.floor(pos), hi = Math.min(lo + 1, times.length - 1);
  return times[lo] * (1 - (pos - lo)) + times[hi] * (pos - lo);
};
console.log(JSON.stringify({ model, threads, runs, median_ms: q(0.5), p10_ms: q(0.1), p90_ms: q(0.9), min_ms: times[0] }));
