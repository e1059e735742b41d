// SPDX-License-Identifier: Apache-2.0
import type { batchV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { CRONJOB_CONTROLLER, CronJobController, CRONJOBS, JOBS } from './cronjob-controller';

export { parseCronSchedule, type CronSchedule } from './cron-schedule';
export {
  CRONJOB_CONTROLLER,
  CronJobController,
  jobFromTemplate,
  jobName,
  mostRecentScheduleTime,
  nextScheduleDelay,
  SCHEDULED_TIMESTAMP_ANNOTATION,
  type CronJob,
  type CronJobControllerDeps,
} from './cronjob-controller';

/** The CronJob controller. */
export const cronJobController: ControllerDescriptor = {
  name: CRONJOB_CONTROLLER,
  async start(ctx) {
    const ctrl = new CronJobController({
      client: ctx.client,
      cronJobs: ctx.informers.informerFor<batchV1.CronJobJson>(CRONJOBS),
      jobs: ctx.informers.informerFor<batchV1.JobJson>(JOBS),
      recorder: ctx.recorder(CRONJOB_CONTROLLER),
      logger: ctx.logger,
      now: ctx.now,
    });
    ctrl.run(ctx.signal).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: CRONJOB_CONTROLLER }, 'controller stopped');
    });
  },
};
