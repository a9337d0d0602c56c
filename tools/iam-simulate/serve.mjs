// A JSON-lines decision server over @cloud-copilot/iam-simulate, for Lamina's differential test.
//
// Each stdin line is one case: {identity_policies: [{name, policy}], boundary, session_policy,
// scps, rcps, resource_policy, request: {principal, action, resource, resource_account, context}}.
// Each stdout line answers it, in order: {"outcome": "Allow"|"ExplicitDeny"|"ImplicitDeny"} or
// {"error": "..."} when iam-simulate refuses the input (or the line is not JSON).
import { createInterface } from 'node:readline'
import { decide, toSimulation } from './simulation.mjs'

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    answer = await decide(toSimulation(JSON.parse(line)))
  } catch (error) {
    answer = { error: String(error?.message ?? error) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
