// Screen "Clients" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Clients(_props: { network: string }) {
  return <Empty description="Clients" />;
}
