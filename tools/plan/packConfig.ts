// A published policy pack (pulumi policy publish) runs without the repository around it, so the release
// files its gates check travel inside its config: this embeds the evidence, the verification and the
// release notes that a pack config names by path into the config itself.
import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyConfigError } from "./policies";

type Doc = Record<string, unknown>;

/** Reads `file` (pack config JSON) and returns it with the files it names embedded; paths resolve against `baseDir`. */
export function embedReleaseFiles(file: string, baseDir: string): Doc {
    let doc: Doc;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8")) as Doc;
    } catch (e) {
        throw new PolicyConfigError(`${file}: ${(e as Error).message}`);
    }
    // `"policy": "<level>"` stays a level (as an object, to carry the content); a disabled policy gets nothing.
    const section = (name: string): Doc | undefined => {
        const v = doc[name];
        if (v === "disabled" || (v && typeof v === "object" && (v as Doc).enforcementLevel === "disabled")) return undefined;
        if (typeof v === "string") return (doc[name] = { enforcementLevel: v });
        return v && typeof v === "object" ? (v as Doc) : (doc[name] = {});
    };
    const json = (p: string) => {
        const abs = path.resolve(baseDir, p);
        try {
            return JSON.parse(fs.readFileSync(abs, "utf8")) as unknown;
        } catch (e) {
            throw new PolicyConfigError(`${file}: cannot embed ${p}: ${(e as Error).message.split("\n")[0]}`);
        }
    };
    const tested = section("tested-artifact");
    if (tested) tested.evidence = json(String(tested.evidenceFile ?? "release/evidence.json"));
    const verified = section("verified-in-preprod");
    if (verified) verified.verification = json(String(verified.verificationFile ?? "release/verified-staging.json"));
    const documented = section("documented");
    if (!documented) return doc;
    const dir = path.resolve(baseDir, String(documented.notesDir ?? "release/notes"));
    documented.notes = Object.fromEntries(
        fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".md"))
            .sort()
            .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
    );
    return doc;
}
