/**
 * Options page entry. Minimal shell on the `import` branch: it mounts the models section; the
 * product helper's page (issue 12) adds the other sections around it.
 */
import { mountModelsSection } from './models/section';

mountModelsSection(document.getElementById('models-section') as HTMLElement);
