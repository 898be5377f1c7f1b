// Pulumi entry point: read and validate `launchpad:*` config, build the environment, export outputs.
import { loadConfig } from "./config/load";
import { loadValidationSecrets } from "./config/validation";
import { main } from "./program";

export = main(loadConfig(), loadValidationSecrets());
