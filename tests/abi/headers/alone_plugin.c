/* plugin.h compiles on its own */
#include <lucid/plugin.h>
int main(void);
int main(void)
{
	return 0;
}
