// The Launchpad policy pack as the Pulumi engine loads it:
//   pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json
// Policies live in domain modules beside this file (the offline plan imports the same modules through
// policies/all.ts); this file only assembles them.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./all";

new PolicyPack(PACK_NAME, { enforcementLevel: "mandatory", policies });
