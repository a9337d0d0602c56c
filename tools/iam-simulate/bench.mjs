// Times @cloud-copilot/iam-simulate on Lamina's benchmark scenarios, inside this process.
//
//   node bench.mjs SCENARIOS.json '{"scenarios": ["S1"], "decisions": 2000, "max_seconds": 2,
//                                   "runs": 5, "warmup": 1, "prevalidate": false}'
//
// SCENARIOS.json is the expanded file that benchmarks/scenarios.py writes (every scenario flat:
// identity_policies, boundary, session_policy, requests with their own resource_policy).
// Each run repeats full passes over the scenario's requests until it has made `decisions`
// decisions or spent `max_seconds`; the figure is the median of `runs` runs, after `warmup`
// untimed passes. Prints one JSON object: per scenario µs/decision and each request's outcome.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { decide, prevalidate, toSimulation } from './simulation.mjs'

const VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@cloud-copilot/iam-simulate/package.json', import.meta.url), 'utf8')
).version

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function simulationsFor(scenario, spec) {
  return scenario.requests.map((request) => {
    const simulation = toSimulation({
      identity_policies: scenario.identity_policies,
      boundary: scenario.boundary,
      session_policy: scenario.session_policy,
      resource_policy: request.resource_policy,
      request
    })
    return spec.prevalidate ? prevalidate(simulation) : simulation
  })
}

/** The same fingerprint as benchmarks/scenarios.py: compact JSON of the identity policies. */
function sha256(scenario) {
  return createHash('sha256').update(JSON.stringify(scenario.identity_policies)).digest('hex')
}

async function pass(simulations) {
  for (const simulation of simulations) await decide(simulation)
}

async function timeScenario(simulations, spec) {
  for (let i = 0; i < (spec.warmup ?? 1); i++) await pass(simulations)
  const runs = []
  for (let r = 0; r < (spec.runs ?? 5); r++) {
    let decisions = 0
    const start = process.hrtime.bigint()
    let elapsed = 0
    do {
      await pass(simulations)
      decisions += simulations.length
      elapsed = Number(process.hrtime.bigint() - start) / 1e3
    } while (decisions < (spec.decisions ?? 2000) && elapsed < (spec.max_seconds ?? 2) * 1e6)
    runs.push(elapsed / decisions)
  }
  return runs
}

async function main() {
  const [file, specText] = process.argv.slice(2)
  const scenarios = JSON.parse(readFileSync(file, 'utf8'))
  const spec = JSON.parse(specText ?? '{}')
  const names = spec.scenarios ?? Object.keys(scenarios).filter((k) => k !== 'comment')
  const out = {
    engine: 'iam-simulate',
    version: VERSION,
    mode: spec.prevalidate ? 'runSimulation, policies validated once' : 'runSimulation',
    scenarios: {}
  }
  for (const name of names) {
    const scenario = scenarios[name]
    const simulations = simulationsFor(scenario, spec)
    const outcomes = {}
    const errors = {}
    for (const [i, request] of scenario.requests.entries()) {
      const result = await decide(simulations[i])
      if (result.error) errors[request.id] = result.error
      else outcomes[request.id] = result.outcome
    }
    if (Object.keys(errors).length) {
      out.scenarios[name] = { na: `iam-simulate refused the input: ${JSON.stringify(errors)}`, outcomes, sha256: sha256(scenario) }
      continue
    }
    const runs = await timeScenario(simulations, spec)
    out.scenarios[name] = { us_per_decision: median(runs), runs_us: runs, outcomes, sha256: sha256(scenario) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

await main()
