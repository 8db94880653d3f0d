/* lister.h compiles on its own */
#include <lucid/lister.h>
int main(void);
int main(void)
{
	return 0;
}
