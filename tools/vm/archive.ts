// The release artifact of a VM app: a gzipped tar of the app's folder, built reproducibly (sorted
// names, fixed mtime and owner, gzip without a timestamp) so that the same sources always give the
// same sha256. That checksum is what the config pins (apps.<app>.vm.artifact.sha256), what the
// tested-artifact evidence records and what the hosts verify before unpacking.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";

export interface Archive {
    readonly path: string;
    readonly sha256: string;
}

/** sha256 (hex) of a file. */
export async function sha256File(path: string): Promise<string> {
    const hash = createHash("sha256");
    await pipeline(createReadStream(path), hash);
    return hash.digest("hex");
}

/**
 * Pack the contents of `dir` (its files at the archive's root) into `out` as tar.gz with GNU tar,
 * reproducibly, and return its sha256.
 */
export async function buildArchive(dir: string, out: string): Promise<Archive> {
    const tar = spawn(
        "tar",
        ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu", "-cf", "-", "-C", dir, "."],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    const gzip = spawn("gzip", ["-n", "-9"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    tar.stderr.on("data", (d) => (stderr += d));
    gzip.stderr.on("data", (d) => (stderr += d));
    const exited = (p: ReturnType<typeof spawn>, name: string) =>
        new Promise<void>((resolve, reject) => {
            p.on("error", reject);
            p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}: ${stderr.trim()}`))));
        });
    await Promise.all([
        pipeline(tar.stdout, gzip.stdin),
        pipeline(gzip.stdout, createWriteStream(out)),
        exited(tar, "tar"),
        exited(gzip, "gzip"),
    ]);
    return { path: out, sha256: await sha256File(out) };
}
