// What Ansible receives for a VM app, computed from config and the stack's hosts: the inventory (one
// group named after the app, with the app's settings as group vars) and the release's extra vars. Pure,
// so the plan, the policies' tests and the Command all see the same values.
import type { VmAppConfig, VmConfig, VmGroup } from "../../config/vm";
import { vmSerial } from "../../config/vm";

type Artifact = NonNullable<VmConfig["artifact"]>;

/** The inventory group of an app's hosts (`launchpad_hosts` in the playbooks): `<app>`, or `<app>_<group>` for blue-green. */
export const inventoryGroup = (app: string, group?: VmGroup) => (group ? `${app}_${group}` : app);

/** Ansible's YAML/JSON inventory: `all.children.<group>.hosts` with the app's settings as group vars. */
export function inventory(app: string, config: VmAppConfig, hosts: readonly string[], group?: VmGroup): Record<string, unknown> {
    const vm = config.vm;
    return {
        all: {
            children: {
                [inventoryGroup(app, group)]: {
                    hosts: Object.fromEntries([...hosts].sort().map((h) => [h, {}])),
                    vars: {
                        ansible_user: vm.sshUser,
                        launchpad_app: app,
                        launchpad_port: config.port,
                        launchpad_command: vm.command,
                        launchpad_env: vm.env,
                        // Only the names: the values travel as a Pulumi secret (secretVars).
                        ...(Object.keys(vm.secretEnv).length > 0 ? { launchpad_secret_env_names: Object.keys(vm.secretEnv).sort() } : {}),
                        launchpad_health_path: vm.healthPath,
                        launchpad_version_path: vm.versionPath ?? "",
                        launchpad_deploy_keep_releases: vm.keepReleases,
                    },
                },
            },
        },
    };
}

/** Extra vars of a release: which app and hosts, in which batches, which archive. Known before any host exists. */
export function releaseVars(app: string, config: VmAppConfig, artifact: Artifact, group?: VmGroup): Record<string, unknown> {
    const vm = config.vm;
    return {
        launchpad_app: app,
        launchpad_hosts: inventoryGroup(app, group),
        launchpad_serial: vmSerial(vm),
        launchpad_release_version: artifact.version,
        launchpad_release_sha256: artifact.sha256,
        launchpad_release_artifact: artifact.url,
        launchpad_deploy_keep_releases: vm.keepReleases,
    };
}

/**
 * The app's secret environment as extra vars (`launchpad_secret_env`), or undefined without one. Kept out
 * of the inventory (which policies read and the update log may show): the Command gets it as a Pulumi
 * secret, run-playbook.sh writes it to its private folder, and the role writes it with no_log.
 */
export function secretVars(config: VmAppConfig): Record<string, unknown> | undefined {
    const secretEnv = config.vm.secretEnv;
    return Object.keys(secretEnv).length > 0 ? { launchpad_secret_env: secretEnv } : undefined;
}

/** How many hosts one deploy of the app updates (per group for blue-green); known from config even before the instances exist. */
export function fleetSize(config: VmAppConfig): number {
    const h = config.vm.hosts;
    return h.create ? h.create.count : (h.inventory ?? []).length;
}
