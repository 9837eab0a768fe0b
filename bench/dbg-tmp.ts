import * as http from 'node:http';
import * as fs from 'node:fs';
import { openSession } from './browsers';
import { DRAWING, ROOT, MENU_IMAGE } from '../test/e2e/harness';
import * as path from 'node:path';
(async () => {
  const srv = http.createServer((req, res) => {
    if (req.url?.startsWith('/img/')) { res.writeHead(200, { 'content-type': 'image/jpeg' }); res.end(fs.readFileSync(path.join(ROOT, DRAWING.file))); return; }
    res.writeHead(200, { 'content-type': 'text/html' }); res.end(`<img src="/img/${DRAWING.name}.jpg">`);
  }).listen(0);
  const port = (srv.address() as { port: number }).port;
  const sess = await openSession((process.argv[2] as 'firefox') ?? 'firefox');
  await sess.openPage(`http://127.0.0.1:${port}/x.html`);
  const t0 = Date.now();
  try {
    const c = await sess.click({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `http://127.0.0.1:${port}/img/${DRAWING.name}.jpg?x=1` }, 20000);
    console.log('click', Date.now() - t0, c.phase, JSON.stringify(c.error));
  } catch (e) { console.log('fail', (e as Error).message); }
  await sess.close(); srv.close();
})();
