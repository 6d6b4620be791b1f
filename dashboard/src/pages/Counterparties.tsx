// Screen "Counterparties" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Counterparties(_props: { network: string }) {
  return <Empty description="Counterparties" />;
}
