// The workflow bundle's entry point: every workflow type the worker runs.
export { shareRequestWorkflow } from './share';
export { catalogAdjustmentWorkflow } from './catalog-adjustment';
export { shareDisputeWorkflow } from './share-dispute';
export { refusalDisputeWorkflow } from './refusal-dispute';
export { openDemandWorkflow } from './open-demand';
export { withdrawalWorkflow } from './withdrawal';
export { openRequestWorkflow } from './open-request';
export { correctionWorkflow } from './correction';
export { evaluationSnapshotWorkflow } from './evaluation';
export { notificationDeliveryWorkflow } from './notification-delivery';
