// SPDX-License-Identifier: Apache-2.0
import type { batchV1, coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { JOB_CONTROLLER, JobController, JOBS, PODS } from './job-controller';

export {
  backoffDelay,
  CONTROLLER_UID_LABEL,
  isJobFinished,
  JOB_CONTROLLER,
  JOB_NAME_LABEL,
  JobController,
  jobFinishedType,
  newJobPod,
  type Job,
  type JobControllerDeps,
} from './job-controller';

/** The Job controller. Options: workers (default 2). */
export const jobController: ControllerDescriptor = {
  name: JOB_CONTROLLER,
  async start(ctx) {
    const ctrl = new JobController({
      client: ctx.client,
      jobs: ctx.informers.informerFor<batchV1.JobJson>(JOBS),
      pods: ctx.informers.informerFor<coreV1.PodJson>(PODS),
      recorder: ctx.recorder(JOB_CONTROLLER),
      logger: ctx.logger,
      now: ctx.now,
    });
    const workers = typeof ctx.options['workers'] === 'number' ? ctx.options['workers'] : 2;
    ctrl.run(ctx.signal, workers).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: JOB_CONTROLLER }, 'controller stopped');
    });
  },
};
