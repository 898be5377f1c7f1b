// Loaded into every mocha process (.mocharc.json `require`): program runs keep no stack frames, as under
// the command-line tools (tools/plan/recorder.ts shortStackTraces), while test failures keep their
// source-mapped TypeScript positions (Node's source maps, .mocharc.json `node-option`). LAUNCHPAD_SOURCE_MAPS=1
// keeps every frame while debugging.
import { shortStackTraces } from "../../tools/plan/recorder";

shortStackTraces();
