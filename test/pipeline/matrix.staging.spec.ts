import { PROJECT_DIR } from "../../tools/plan/plan";
import { matrix } from "./matrix";

describe("release-operation matrix", () => matrix(PROJECT_DIR, "staging"));
