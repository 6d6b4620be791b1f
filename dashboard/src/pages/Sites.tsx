// Screen "Sites" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Sites(_props: { network: string }) {
  return <Empty description="Sites" />;
}
