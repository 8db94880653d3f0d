/* notifier.h compiles on its own */
#include <lucid/notifier.h>
int main(void);
int main(void)
{
	return 0;
}
