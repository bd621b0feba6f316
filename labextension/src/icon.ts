import { LabIcon } from '@jupyterlab/ui-components';

import mlopsSvg from '../style/icons/mlops.svg';

/** The sidebar tab's icon: three steps of a pipeline. */
export const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:pipeline', svgstr: mlopsSvg });
