/* fetcher.h compiles on its own */
#include <lucid/fetcher.h>
int main(void);
int main(void)
{
	return 0;
}
