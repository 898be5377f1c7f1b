// What validation waits on, read from a deployment component once it exists.
import { BlueGreenDeployment, CanaryDeployment, DirectDeployment } from "../deploy";
import type { DeploymentTargets } from "./appValidation";

export function deploymentTargets(d: DirectDeployment | BlueGreenDeployment | CanaryDeployment): DeploymentTargets {
    if (d instanceof BlueGreenDeployment) return { strategy: "blueGreen", deployments: d.deployments, previewService: d.previewService };
    if (d instanceof CanaryDeployment) return { strategy: "canary", deployments: d.deployments };
    return { strategy: "direct", deployment: d.deployment };
}
