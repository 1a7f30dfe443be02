/**
 * Approvals: actions the configuration names wait for a second person (the requester never
 * approves their own), re-planned when approved, and in `failover.mode: propose` alerts only
 * propose their drains.
 */
export { proposeOrCancel, proposalId } from './alert-proposal.ts';
export { approvalRuleFor, materialLines } from './approval-policy.ts';
export {
  APPROVALS,
  readApproval,
  recentApprovals,
  type ApprovalRecord,
  type ApprovalRequest,
  type ApprovalState,
} from './approval-record.ts';
export { APPROVAL_ACTIONS, approvalMessage } from './approval-message.ts';
export { planApprovalMessages, showApproval, syncApprovalMessages, type ApprovalSlackContext } from './approval-slack.ts';
export { cancelApproval, decideApproval, expireApprovals, type Decision } from './decide-approval.ts';
export { gatedManualDrain, gatedOffboard, type ApprovalContext } from './request-approval.ts';
