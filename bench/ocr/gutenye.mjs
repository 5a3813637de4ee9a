// Drives @gutenye/ocr-node for bench-ocr: reads {images, reps, rounds} as
// JSON on stdin, prints the peer result as JSON on stdout. Resolved from
// NODE_PATH / the working directory (run.sh installs the package there).
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(path.join(process.cwd(), 'index.js'))
const { default: Ocr } = await import(require.resolve('@gutenye/ocr-node'))

const chunks = []
for await (const c of process.stdin) chunks.push(c)
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const now = () => Number(process.hrtime.bigint()) / 1e6
const median = (v) => {
  const s = [...v].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const t0 = now()
const ocr = await Ocr.create()
const loadMs = now() - t0

const run = async (img) => {
  const lines = await ocr.detect(img.path)
  return lines.map((l) => l.text)
}

const res = { load_ms: loadMs, median_ms: {}, texts: {} }
for (const img of spec.images) {
  res.texts[img.name] = await run(img)
  const d = []
  for (let i = 0; i < spec.reps; i++) {
    const s = now()
    await run(img)
    d.push(now() - s)
  }
  res.median_ms[img.name] = median(d)
}

const throughput = async (workers) => {
  const jobs = []
  for (let r = 0; r < spec.rounds; r++) jobs.push(...spec.images)
  const n = jobs.length
  const s = now()
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (jobs.length) await run(jobs.shift())
    }),
  )
  return n / ((now() - s) / 1000)
}
res.ips1 = await throughput(1)
res.ips2 = await throughput(2)
process.stdout.write(JSON.stringify(res))
