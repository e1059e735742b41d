import { connect, DeliverPolicy } from 'nats';
import { startNats } from '@berth/testing';
import { ensureEventStream } from './stream';
const srv = await startNats(); console.log('started');
const nc = await connect({ servers: srv.url });
const jsm = await nc.jetstreamManager(); console.log('jsm');
try { await ensureEventStream(jsm); console.log('ensured'); } catch (e) { console.log('ERR', e); }
const c = await nc.jetstream().consumers.get('EVENTS', { deliver_policy: DeliverPolicy.All }); console.log('consumer');
const msgs = await c.consume(); console.log('consume');
await nc.close(); await srv.stop();
