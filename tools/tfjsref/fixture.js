// Builds a small functional Keras model with TensorFlow.js itself, saves it
// as a layers-model (model.json + weights.bin) into
// internal/models/tfjs/testdata/tfjs-saved/ and stores its outputs for the
// same generated inputs as ref.js. It stands for "a user's own TFJS model":
// names, weight naming and topology format are TFJS's, not Python Keras's.
//
//   cd tools/tfjsref && npm ci && node fixture.js
'use strict';

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

const outDir = path.resolve(__dirname, '..', '..', 'internal', 'models', 'tfjs', 'testdata', 'tfjs-saved');

function pattern(kind, shape, scale) {
  const [, h, w, c] = shape;
  const n = h * w * c;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v;
    if (kind === 'noise') {
      const x = (Math.imul(i, 1103515245) + 12345) >>> 0;
      v = ((x >>> 16) & 255) / 255;
    } else {
      const ch = i % c;
      const px = Math.floor(i / c) % w;
      const py = Math.floor(i / (c * w));
      v = ((px * 3 + py * 5 + ch * 85) % 256) / 255;
    }
    out[i] = v * scale;
  }
  return out;
}

function build() {
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [15, 15, 3], name: 'image' });
  let x = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]] }).apply(input);
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: init(1) }).apply(x);
  x = tf.layers.batchNormalization({ epsilon: 1e-3, betaInitializer: tf.initializers.constant({ value: 0.1 }),
    movingMeanInitializer: tf.initializers.constant({ value: 0.05 }), movingVarianceInitializer: tf.initializers.constant({ value: 1.5 }) }).apply(x);
  x = tf.layers.reLU({ maxValue: 6 }).apply(x);
  const a = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 1, depthwiseInitializer: init(2) }).apply(x);
  const b = tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: init(3) }).apply(x);
  let y = tf.layers.add().apply([a, b]);
  const p = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y);
  const q = tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(y);
  y = tf.layers.concatenate({ axis: -1 }).apply([p, q]);
  y = tf.layers.activation({ activation: 'sigmoid' }).apply(y);
  const g = tf.layers.globalAveragePooling2d({}).apply(y);
  const f = tf.layers.flatten().apply(y);
  let h = tf.layers.concatenate().apply([g, f]);
  h = tf.layers.dropout({ rate: 0.5 }).apply(h);
  h = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(4), name: 'probs' }).apply(h);
  return tf.model({ inputs: input, outputs: h });
}

// A Sequential model with the less common layers a user's model may hold.
function buildSequential() {
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  const m = tf.sequential({ name: 'seq' });
  m.add(tf.layers.separableConv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2,
    activation: 'relu', depthwiseInitializer: init(5), pointwiseInitializer: init(6), biasInitializer: tf.initializers.constant({ value: 0.05 }) }));
  m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
  m.add(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }));
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(7) }));
  m.add(tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: tf.initializers.constant({ value: 0.25 }) }));
  m.add(tf.layers.upSampling2d({ size: [2, 2] }));
  m.add(tf.layers.elu());
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.globalMaxPooling2d({}));
  m.add(tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: init(8) }));
  // Linear last layer: raw scores show any error a softmax would flatten.
  m.add(tf.layers.dense({ units: 3, activation: 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }), name: 'probs' }));
  return m;
}

async function save(model, dir, shape) {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (art) => {
    const doc = { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v' + tf.version.tfjs, convertedBy: null,
      modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(art.weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const cases = [];
  for (const kind of ['noise', 'ramp']) {
    const out = model.predict(tf.tensor(pattern(kind, shape, 1), shape));
    const vals = Array.from(out.dataSync());
    cases.push({ pattern: kind, outputs: { probs: { shape: out.shape, stride: 1,
      max_abs: Math.max(...vals.map(Math.abs)), values: vals } } });
  }
  const ref = { model: path.basename(dir), tfjs: tf.version.tfjs, input: { shape, scale: 1 }, cases };
  fs.writeFileSync(path.join(dir, 'ref.json'), JSON.stringify(ref) + '\n');
  console.log('wrote', dir);
}

(async () => {
  await tf.setBackend('cpu');
  const model = build();
  fs.mkdirSync(outDir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (art) => {
    const doc = { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v' + tf.version.tfjs, convertedBy: null,
      modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] };
    fs.writeFileSync(path.join(outDir, 'model.json'), JSON.stringify(doc));
    fs.writeFileSync(path.join(outDir, 'weights.bin'), Buffer.from(art.weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const shape = [1, 15, 15, 3];
  const cases = [];
  for (const kind of ['noise', 'ramp']) {
    const out = model.predict(tf.tensor(pattern(kind, shape, 1), shape));
    const vals = Array.from(out.dataSync());
    cases.push({ pattern: kind, outputs: { probs: { shape: out.shape, stride: 1,
      max_abs: Math.max(...vals.map(Math.abs)), values: vals } } });
  }
  const ref = { model: 'tfjs-saved', tfjs: tf.version.tfjs, input: { shape, scale: 1 }, cases };
  fs.writeFileSync(path.join(outDir, 'ref.json'), JSON.stringify(ref) + '\n');
  console.log('wrote', outDir);
  await save(buildSequential(), outDir + '-sequential', [1, 12, 12, 3]);
})().catch((e) => { console.error(e); process.exit(1); });
