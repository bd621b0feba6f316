/** Every user action is a command, so it is in the palette, menus and shortcuts. */
export namespace CommandIDs {
  export const showPanel = 'jupyter-mlops:show-panel';
  export const openDashboard = 'jupyter-mlops:open-dashboard';
  export const makeStep = 'jupyter-mlops:make-step';
  export const removeStep = 'jupyter-mlops:remove-step';
  export const markParameters = 'jupyter-mlops:mark-parameters';
  export const runNow = 'jupyter-mlops:run';
  export const schedule = 'jupyter-mlops:schedule';
  export const batch = 'jupyter-mlops:batch';
  export const cancelBatch = 'jupyter-mlops:cancel-batch';
  export const downloadBatchResults = 'jupyter-mlops:download-batch-results';
  export const openOutput = 'jupyter-mlops:open-output';
  export const showLog = 'jupyter-mlops:show-log';
  export const openReport = 'jupyter-mlops:open-report';
  export const cancelRun = 'jupyter-mlops:cancel-run';
  export const rerun = 'jupyter-mlops:rerun';
  export const compareRuns = 'jupyter-mlops:compare-runs';
  export const pauseSchedule = 'jupyter-mlops:pause-schedule';
  export const resumeSchedule = 'jupyter-mlops:resume-schedule';
  export const editSchedule = 'jupyter-mlops:edit-schedule';
  export const deleteSchedule = 'jupyter-mlops:delete-schedule';
  export const runScheduleNow = 'jupyter-mlops:run-schedule-now';
  export const pinSchedule = 'jupyter-mlops:pin-schedule';
}
