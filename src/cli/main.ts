#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ElidoSimError } from "../errors.js";
import { listShippedScenarios, loadScenario } from "../scenario/load-scenario.js";
import { scenarioJsonSchema } from "../scenario/scenario-json-schema.js";
import { configureLoadCommand, executeLoad, type LoadArguments } from "./load-command.js";
import { configureRunCommand, executeRun, type RunArguments } from "./run-command.js";
import { configureSendCommand, executeSend, type SendArguments } from "./send-command.js";
import { configureServeCommand, executeServe, type ServeArguments } from "./serve-command.js";

/** Exit code for a bug in elido-sim itself; usage and scenario errors exit with 2. */
const EXIT_INTERNAL = 3;

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs(argv)
    .scriptName("elido-sim")
    .usage(
      "$0 <command> [options]\n\nTest harness and mock of Elido's click webhooks and analytics API.",
    )
    .command<RunArguments>(
      "run [scenario..]",
      "Run a scenario against a receiver and print its scorecard",
      (command) => configureRunCommand(command),
      async (args) => {
        exitCode = await executeRun(args);
      },
    )
    .command<LoadArguments>(
      "load",
      "Load-test a receiver with signed deliveries and check its answers",
      (command) => configureLoadCommand(command),
      async (args) => {
        exitCode = await executeLoad(args);
      },
    )
    .command<SendArguments>(
      "send",
      "Send signed click.recorded events to a receiver and print each response",
      (command) => configureSendCommand(command),
      async (args) => {
        exitCode = await executeSend(args);
      },
    )
    .command<ServeArguments>(
      "serve",
      "Serve the simulator standalone: API, edge redirect, traffic and control API",
      (command) => configureServeCommand(command),
      async (args) => {
        exitCode = await executeServe(args);
      },
    )
    .command(
      "scenarios",
      "List the shipped scenarios",
      () => {},
      async () => {
        for (const name of await listShippedScenarios()) {
          const scenario = loadScenario(name);
          process.stdout.write(`${name}\n  ${scenario.description.replace(/\s+/g, " ")}\n`);
        }
      },
    )
    .command(
      "schema",
      "Print the JSON Schema of scenario files",
      () => {},
      () => {
        process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
      },
    )
    .demandCommand(1, "Missing command: try `elido-sim run receiver-outages --help`.")
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new ElidoSimError("ELIDO_SIM_ERR_USAGE", message);
    })
    .help()
    .version();
  await parser.parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ElidoSimError) {
      process.stderr.write(`elido-sim: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `elido-sim: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT_INTERNAL;
  },
);
