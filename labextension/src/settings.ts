/** The user's defaults for the run dialog, from the settings registry (schema/plugin.json). */
import { ISettingRegistry } from '@jupyterlab/settingregistry';

export interface Defaults {
  backend: string;
  image: string;
}

/** Whether the notebook shows its pipeline on its cells (markers and badges). */
export function readCellMarkers(settings: ISettingRegistry.ISettings | null): boolean {
  return (settings?.composite as { cellMarkers?: boolean } | undefined)?.cellMarkers ?? true;
}

export const PLUGIN_ID = 'jupyter-mlops:plugin';

/** Live defaults: reads the current settings each time, so edits apply to the next dialog. */
export function readDefaults(settings: ISettingRegistry.ISettings | null): Defaults {
  const composite = (settings?.composite ?? {}) as Partial<Defaults>;
  return { backend: composite.backend ?? 'local', image: composite.image ?? '' };
}
