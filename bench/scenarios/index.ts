// The scenarios the bench offers, in report order. To add one: write a file beside these exporting a
// `Scenario`, list it here, and name in its `systems` who can answer it. The generator, the
// stepping, the report and the chart pick it up.

import { authorizeScenario } from './authorize.js';
import { fuelMixScenario } from './fuel-mix.js';
import { hotAccountsScenario } from './hot-accounts.js';
import { saleScenario } from './sale.js';
import { washScenario } from './wash.js';
import type { Scenario } from './scenario.js';

export const scenarios: readonly Scenario[] = [authorizeScenario, fuelMixScenario, hotAccountsScenario, saleScenario, washScenario];

export function scenarioNamed(name: string): Scenario {
  const scenario = scenarios.find((candidate) => candidate.name === name);
  if (scenario === undefined) throw new Error(`no scenario "${name}" (have ${scenarios.map((candidate) => candidate.name).join(', ')})`);
  return scenario;
}

export type { CardKind, Scenario, ScenarioContext, ScenarioOperation, ScenarioRequest, ScenarioStream, ScenarioSystem, WireReply } from './scenario.js';
