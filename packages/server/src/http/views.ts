export { parseIfMatch, toImage, toMe, toVm, vmEtag } from '../services/views.js';
