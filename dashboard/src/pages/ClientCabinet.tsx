// Screen "ClientCabinet" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function ClientCabinet(_props: { network: string }) {
  return <Empty description="ClientCabinet" />;
}
