import * as path from "node:path";
import * as fs from "node:fs";
import { Session } from "node:inspector";
import { PROJECT_DIR, planStack, writePlan } from "../plan/plan";
import { plainStackTraces } from "../plan/recorder";
async function main() {
    plainStackTraces();
    const [dir, stack, out, prof] = process.argv.slice(2);
    require(path.join(PROJECT_DIR, "program"));
    require("../plan/policies");
    const s = new Session(); s.connect();
    const post = (m: string, p?: object) => new Promise<any>((res, rej) => s.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
    await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 200 }); await post("Profiler.start");
    const plan = await planStack({ stack, projectDir: dir });
    writePlan(plan, out);
    const { profile } = await post("Profiler.stop");
    fs.writeFileSync(prof, JSON.stringify(profile));
    console.log(plan.timings);
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
