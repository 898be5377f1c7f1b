// The release notice restates every app's state (live slot, canary weight, versions, rollback command),
// so its recorded inputs follow any rollout change. The engine asks the notice's provider whether that is
// an update, and the provider answers yes only for a new release version: the notice paths a diff under
// mocks shows for a rollout step publish nothing. Tests that pin a diff assert both.
import type { ProgramRun } from "../../tools/plan/recorder";
import { noticeProvider } from "../../components/validation/notice";
import type { NoticeInputs, NoticeState } from "../../components/validation/notice";
import { one } from "../harness";

export const NOTICE = "pulumi-nodejs:dynamic/validation:ReleaseNotice";

/** What the notice's provider answers the engine for an update from `before`'s inputs to `after`'s. */
export async function noticeUpdate(before: ProgramRun, after: ProgramRun): Promise<boolean | undefined> {
    const olds = one(before, NOTICE, "release-notice").inputs as unknown as NoticeState;
    const news = one(after, NOTICE, "release-notice").inputs as unknown as NoticeInputs;
    return (await noticeProvider.diff!("release-notice", olds, news)).changes;
}
