// Turns Lamina's peer-request shape into an @cloud-copilot/iam-simulate Simulation, and its
// result into Lamina's outcome names. Shared by bench.mjs and serve.mjs.
import { runSimulation } from '@cloud-copilot/iam-simulate'
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy
} from '@cloud-copilot/iam-policy'

const OUTCOMES = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny'
}

/** iam-simulate takes context values as a string or a list of strings. */
function contextVariables(context) {
  const out = {}
  for (const [key, value] of Object.entries(context ?? {})) {
    out[key] = Array.isArray(value) ? value.map(String) : String(value)
  }
  return out
}

/**
 * Validates every policy of a Simulation once, so that runSimulation reuses the result instead of
 * validating the documents again on each call (the "parse once" mode of the benchmark).
 */
export function prevalidate(simulation) {
  const identity = (policy) => createValidatedPolicy(policy, validateIdentityPolicy)
  const out = { ...simulation }
  out.identityPolicies = simulation.identityPolicies.map((p) => ({ ...p, policy: identity(p.policy) }))
  if (simulation.permissionBoundaryPolicies) {
    out.permissionBoundaryPolicies = simulation.permissionBoundaryPolicies.map((p) => ({
      ...p,
      policy: identity(p.policy)
    }))
  }
  if (simulation.sessionPolicy) out.sessionPolicy = identity(simulation.sessionPolicy)
  if (simulation.resourcePolicy) {
    out.resourcePolicy = createValidatedPolicy(simulation.resourcePolicy, validateResourcePolicy)
  }
  return out
}

/**
 * One peer case: {identity_policies: [{name, policy}], boundary, session_policy, scps, rcps,
 * resource_policy, request: {principal, action, resource, resource_account, context}}.
 * scps / rcps are lists of levels, each a list of policy documents (root first).
 */
export function toSimulation(input) {
  const req = input.request
  const levels = (list, prefix) =>
    (list ?? []).map((policies, level) => ({
      orgIdentifier: `${prefix}-${level}`,
      policies: policies.map((policy, i) => ({ name: `${prefix}-${level}-${i}`, policy }))
    }))
  const simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resource_account },
      contextVariables: contextVariables(req.context)
    },
    identityPolicies: input.identity_policies ?? [],
    serviceControlPolicies: levels(input.scps, 'scp'),
    resourceControlPolicies: levels(input.rcps, 'rcp')
  }
  if (input.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: input.boundary }]
  if (input.session_policy) simulation.sessionPolicy = input.session_policy
  if (input.resource_policy) simulation.resourcePolicy = input.resource_policy
  return simulation
}

/** Runs one simulation; returns {outcome} or {error} (iam-simulate refused the input). */
export async function decide(simulation) {
  const result = await runSimulation(simulation, {})
  if (result.resultType === 'error') {
    return { error: result.errors.message, details: result.errors }
  }
  return { outcome: OUTCOMES[result.overallResult] }
}
