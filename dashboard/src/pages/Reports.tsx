// Screen "Reports" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Reports(_props: { network: string }) {
  return <Empty description="Reports" />;
}
