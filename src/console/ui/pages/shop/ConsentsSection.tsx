import { unwrap, useLoad } from '../../api.js';
import { ErrorMessage, Loading } from '../../components/Status.js';
import { TableScroll } from '../../components/TableScroll.js';
import { formatInstant } from '../../format.js';

/** The consents the shop gave to modules (the caller's, or all for an admin), and their history. */
export function ConsentsSection({ shopId }: { shopId: string }) {
  const consents = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/consents', { params: { path: { shopId } } })), `consents ${shopId}`);
  return (
    <section aria-labelledby="consents-title">
      <h2 id="consents-title">Consents</h2>
      <ErrorMessage error={consents.error} title="Could not load the consents" />
      {consents.loading && !consents.data && <Loading what="the consents" />}
      {consents.data?.modules.length === 0 && <p>No consent.</p>}
      {consents.data?.modules.map((module) => (
        <details key={module.module} open>
          <summary>
            {module.module}: {module.consents.length > 0 ? module.consents.map((c) => c.consent).join(', ') : 'no consent now'}
          </summary>
          {module.events.length > 0 && (
            <TableScroll label={`Consent history of ${module.module}`}>
              <table>
                <caption>Consent history of {module.module}</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Consent</th>
                    <th scope="col">Action</th>
                    <th scope="col">Via</th>
                  </tr>
                </thead>
                <tbody>
                  {module.events.map((event, i) => (
                    <tr key={i}>
                      <td>{formatInstant(event.at)}</td>
                      <th scope="row">{event.consent}</th>
                      <td>{event.action}</td>
                      <td>{event.via}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </details>
      ))}
    </section>
  );
}
