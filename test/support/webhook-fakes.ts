/** In-memory stand-ins for the webhook receivers' store, for pure unit tests of the routers. */
import type { DocData } from '../../shared/adapters/firestore.ts';
import { MARKERS } from '../../shared/adapters/firestore.ts';
import type { WebhookDeps } from '../../services/webhooks/deps.ts';

/** A marker store that behaves like the Firestore one: markers live in MARKERS under their key. */
export function memoryMarkerStore(): { store: WebhookDeps['store']; markers: Map<string, DocData> } {
  const markers = new Map<string, DocData>();
  return {
    markers,
    store: {
      markOnce: async (key, _ttl, data = {}) => {
        if (markers.has(`${MARKERS}/${key}`)) return false;
        markers.set(`${MARKERS}/${key}`, data);
        return true;
      },
      delete: async (collection, id) => void markers.delete(`${collection}/${id}`),
    },
  };
}
