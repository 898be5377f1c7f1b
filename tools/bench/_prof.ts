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
    const before = new Set(Object.keys(require.cache));
    const plan = await planStack({ stack, projectDir: dir });
    const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
    const groups = new Map<string, number>();
    for (const k of loaded) { const m = k.match(/node_modules\/((@[^/]+\/)?[^/]+)(\/[^/]+)?/); const g = m ? m[1] + (m[3] ?? "") : k.replace("/work/main/", ""); groups.set(g, (groups.get(g) ?? 0) + 1); }
    console.log(loaded.length, [...groups].sort((a, b) => b[1] - a[1]).slice(0, 40));
    writePlan(plan, out);
    const { profile } = await post("Profiler.stop");
    fs.writeFileSync(prof, JSON.stringify(profile));
    console.log(plan.timings);
}
(process.argv[2] === "B" ? (plainStackTraces(), profB(process.argv[3], process.argv[4])) : main()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
export async function profB(resourcesJson: string, prof: string) {
    const { sdkConstructor } = require("./measure");
    const { runProgram } = require("../plan/recorder");
    const recorded = JSON.parse(fs.readFileSync(resourcesJson, "utf8")).resources as any[];
    const custom = recorded.filter((r) => !r.type.startsWith("launchpad:"));
    const ctors = custom.map((r) => sdkConstructor(r.type));
    const s = new Session(); s.connect();
    const post = (m: string, p?: object) => new Promise<any>((res, rej) => s.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
    await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 200 }); await post("Profiler.start");
    const t = Date.now();
    await runProgram({ project: "launchpad", stack: "bench", config: {}, program: () => { custom.forEach((r, i) => ctors[i](r.name, r.inputs)); return {}; } });
    console.log("B ms", Date.now() - t);
    const { profile } = await post("Profiler.stop");
    fs.writeFileSync(prof, JSON.stringify(profile));
}
