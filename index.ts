// Pulumi entry point: read and validate `launchpad:*` config, build the environment, export outputs.
import { loadConfig } from "./config/load";
import { main } from "./program";

export = main(loadConfig());
